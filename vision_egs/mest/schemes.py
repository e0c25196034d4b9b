"""MEST's sparsity schemes, each a partition of a layer's weight into equal-sized *units* that are
kept or removed together; prune and grow work on units, so every mask has its scheme's structure.
The weight is seen as its GEMM matrix [out, in*kh*kw] (vision_egs.pruning.schemes.gemm_shape):

    unstructured   a unit is one weight
    block          MEST's `free_block_prune_column_4`: the rows cut into blocks of 4 output
                   channels, a unit is one GEMM column of a block (4 weights). Not the pruning
                   package's block:RxC scheme, whose units are whole input channels (k*k columns)
    channel        a unit is one input channel over all rows (the pruning package's `channel`)

Magnitude masks of `unstructured` and `channel` equal vision_egs.pruning.schemes.scheme_mask's
(tested); the unit view exists because MEST's block unit is not one of that package's, and because
growing needs the units themselves, not only a mask."""
import torch

from recipe_common.errors import InputError
from vision_egs.pruning.schemes import gemm_shape

SCHEMES = ("unstructured", "block", "channel")
BLOCK_ROWS = 4


def check_scheme(scheme: str, weight: torch.Tensor, layer: str) -> None:
    if scheme not in SCHEMES:
        raise InputError(f"unknown sparsity scheme '{scheme}' (known: {', '.join(SCHEMES)})")
    if scheme == "block" and weight.shape[0] % BLOCK_ROWS:
        raise InputError(f"{layer}: block scheme needs output channels divisible by {BLOCK_ROWS}, "
                         f"not {weight.shape[0]}")


def unit_view(t: torch.Tensor, scheme: str) -> torch.Tensor:
    """[units, unit size]: `t` (a weight-shaped tensor) regrouped by unit."""
    rows, cin, k2 = gemm_shape(t)
    if scheme == "unstructured":
        return t.reshape(-1, 1)
    if scheme == "block":
        return t.reshape(rows // BLOCK_ROWS, BLOCK_ROWS, cin * k2).permute(0, 2, 1).reshape(-1, BLOCK_ROWS)
    return t.reshape(rows, cin, k2).permute(1, 0, 2).reshape(cin, rows * k2)


def unit_count(weight: torch.Tensor, scheme: str) -> int:
    rows, cin, k2 = gemm_shape(weight)
    return {"unstructured": weight.numel(), "block": weight.numel() // BLOCK_ROWS, "channel": cin}[scheme]


def expand_units(keep: torch.Tensor, weight: torch.Tensor, scheme: str) -> torch.Tensor:
    """A 0/1 mask of the weight's shape from a [units] bool vector (the inverse of unit_view)."""
    rows, cin, k2 = gemm_shape(weight)
    keep = keep.to(weight.dtype)
    if scheme == "unstructured":
        return keep.reshape(weight.shape).clone()
    if scheme == "block":
        blocks = keep.reshape(rows // BLOCK_ROWS, 1, cin * k2).expand(-1, BLOCK_ROWS, -1)
        return blocks.reshape(weight.shape).clone()
    return keep.reshape(1, cin, 1).expand(rows, cin, k2).reshape(weight.shape).clone()
