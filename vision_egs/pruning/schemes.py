"""Pruning schemes as masks over a layer's weight seen as a GEMM matrix [out, in*kh*kw].

    unstructured   single weights, smallest magnitude first
    filter         whole rows (output channels), smallest L2 norm first
    channel        whole input channels (kh*kw columns each, over all rows)
    pattern        3x3 kernels: each keeps the 4-entry pattern (of PATTERNS) that holds most of its
                   energy (so at least 5/9 sparse), then whole kernels are removed by norm
                   (connectivity pruning) up to the rate
    block:RxC      the matrix cut into R x C blocks; inside every block the same share of columns is
                   removed (the R-long columns of smallest norm). For a k x k conv a column of a block
                   is one input channel's k*k GEMM columns, so C counts GEMM columns and must be a
                   multiple of k*k; for linear and 1x1 layers a column is a single GEMM column.

`sparsity` is the share of the layer's weights that a mask removes (rounded to whole units).
"""
import itertools
import re
from dataclasses import dataclass
from typing import List, Tuple

import torch

from recipe_common.errors import InputError

SCHEME_NAMES = ("unstructured", "filter", "channel", "pattern", "block")


@dataclass(frozen=True)
class Scheme:
    name: str
    rows: int = 0  # block schemes only
    cols: int = 0

    def __str__(self) -> str:
        return f"block:{self.rows}x{self.cols}" if self.name == "block" else self.name


def parse_scheme(text: str) -> Scheme:
    """'filter', 'block:8x144', ... ; anything else is an InputError naming the text."""
    if text in SCHEME_NAMES and text != "block":
        return Scheme(text)
    m = re.fullmatch(r"block:(\d+)x(\d+)", text)
    if m and int(m.group(1)) > 0 and int(m.group(2)) > 0:
        return Scheme("block", int(m.group(1)), int(m.group(2)))
    raise InputError(f"unknown pruning scheme '{text}' (known: unstructured, filter, channel, pattern, block:RxC)")


def gemm_shape(weight: torch.Tensor) -> Tuple[int, int, int]:
    """(rows, input channels, GEMM columns per input channel) of a conv or linear weight."""
    per_channel = weight[0, 0].numel() if weight.dim() == 4 else 1
    return weight.shape[0], weight.shape[1], per_channel


def check_scheme(scheme: Scheme, weight: torch.Tensor, layer: str) -> None:
    """A block that does not tile the layer, or a pattern on a non-3x3 layer, is an InputError."""
    rows, cin, k2 = gemm_shape(weight)
    if scheme.name == "pattern" and tuple(weight.shape[2:]) != (3, 3):
        raise InputError(f"{layer}: scheme 'pattern' needs 3x3 kernels, not {tuple(weight.shape[2:])}")
    if scheme.name != "block":
        return
    cols = cin * k2
    if scheme.rows > rows or scheme.cols > cols:
        raise InputError(f"{layer}: block {scheme.rows}x{scheme.cols} is larger than its {rows}x{cols} GEMM matrix")
    if rows % scheme.rows or cols % scheme.cols:
        raise InputError(f"{layer}: block {scheme.rows}x{scheme.cols} does not divide its {rows}x{cols} GEMM matrix")
    if scheme.cols % k2:
        raise InputError(f"{layer}: block columns {scheme.cols} are not a multiple of its kernel size {k2}")


def _keep_largest(scores: torch.Tensor, n_remove: int) -> torch.Tensor:
    """Boolean mask over `scores` (last dim) keeping all but the n_remove smallest of each row."""
    mask = torch.ones_like(scores, dtype=torch.bool)
    if n_remove > 0:
        idx = scores.argsort(dim=-1)[..., :n_remove]
        mask.scatter_(-1, idx, False)
    return mask


def _channel_norms(weight: torch.Tensor) -> torch.Tensor:
    """[out, in]: L2 norm of each (row, input channel) unit."""
    return weight.detach().reshape(weight.shape[0], weight.shape[1], -1).norm(dim=-1)


def _expand_units(unit_mask: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """A [out, in] mask over (row, input channel) units as a mask of the weight's shape."""
    shape = (*unit_mask.shape, *([1] * (weight.dim() - 2)))
    return unit_mask.reshape(shape).expand_as(weight).to(weight.dtype).clone()


def _patterns() -> List[torch.Tensor]:
    """PatDNN-style 4-entry 3x3 patterns: the centre and three neighbours, at least two of them
    sharing an edge with the centre (28 patterns)."""
    edges = {1, 3, 5, 7}
    out = []
    for cells in itertools.combinations([0, 1, 2, 3, 5, 6, 7, 8], 3):
        if len(edges.intersection(cells)) >= 2:
            p = torch.zeros(9)
            p[[4, *cells]] = 1
            out.append(p.view(3, 3))
    return out


PATTERNS = _patterns()


def scheme_mask(weight: torch.Tensor, scheme: Scheme, sparsity: float, layer: str = "layer") -> torch.Tensor:
    """A 0/1 mask of the weight's shape removing `sparsity` of it by `scheme` (magnitude criteria)."""
    if not 0.0 <= sparsity < 1.0:
        raise InputError(f"{layer}: sparsity {sparsity} is outside [0, 1)")
    check_scheme(scheme, weight, layer)
    w = weight.detach()
    rows, cin, k2 = gemm_shape(w)
    if scheme.name == "unstructured":
        flat = _keep_largest(w.abs().reshape(1, -1), int(round(sparsity * w.numel())))
        return flat.reshape(w.shape).to(w.dtype)
    if scheme.name == "filter":
        keep = _keep_largest(w.reshape(rows, -1).norm(dim=1)[None], int(round(sparsity * rows)))[0]
        return _expand_units(keep[:, None].expand(rows, cin), w)
    if scheme.name == "channel":
        keep = _keep_largest(_channel_norms(w).norm(dim=0)[None], int(round(sparsity * cin)))[0]
        return _expand_units(keep[None, :].expand(rows, cin), w)
    if scheme.name == "pattern":
        return _pattern_mask(w, sparsity)
    # block: units are (row block, input channel) slabs; each block removes the same number
    per_block = scheme.cols // k2
    norms = _channel_norms(w).reshape(rows // scheme.rows, scheme.rows, cin // per_block, per_block)
    slab = norms.pow(2).sum(dim=1).sqrt()  # [row blocks, column blocks, channels per block]
    keep = _keep_largest(slab, int(round(sparsity * per_block)))
    keep = keep[:, None].expand(-1, scheme.rows, -1, -1).reshape(rows, cin)
    return _expand_units(keep, w)


def _pattern_mask(w: torch.Tensor, sparsity: float) -> torch.Tensor:
    kernels = w.reshape(-1, 3, 3)
    patterns = torch.stack(PATTERNS).to(w.dtype)  # [P, 3, 3]
    energy = torch.einsum("kij,pij->kp", kernels.pow(2), patterns)
    mask = patterns[energy.argmax(dim=1)]  # [kernels, 3, 3]
    pattern_sparsity = 1 - 4 / 9
    if sparsity > pattern_sparsity:  # connectivity pruning: drop whole kernels
        n_kernels = kernels.shape[0]
        n_remove = min(n_kernels, int(round((sparsity - pattern_sparsity) / (4 / 9) * n_kernels)))
        kept_norm = (kernels * mask).reshape(n_kernels, -1).norm(dim=1)
        mask = mask * _keep_largest(kept_norm[None], n_remove)[0, :, None, None].to(w.dtype)
    return mask.reshape(w.shape)


def mask_sparsity(mask: torch.Tensor) -> float:
    return 1.0 - mask.count_nonzero().item() / mask.numel()
