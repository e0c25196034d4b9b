"""Training-memory footprint from the masks: weights, gradients and the optimizer state (SGD momentum:
one buffer, so three fp32 copies of each kept weight), each sparse layer in its scheme's compact
form with its indices (int32, shared by the three copies, which have the same sparsity pattern):

    unstructured   CSR over the GEMM rows: a column index per kept weight, rows + 1 row pointers
    block          CSR over the 4-row blocks: a column index per kept 4x1 block, blocks + 1 pointers
    channel        a smaller dense layer: the kept input channels' indices only

Dense layers and batch norms count three copies of every parameter; buffers (running statistics)
and activations are not counted (they are the same for every method). Methods ranking by a dense
gradient (RigL, MEST with λ > 0) also hold one dense gradient of the sparse layers while updating."""
from dataclasses import dataclass
from typing import Optional

from torch import nn

from vision_egs.mest.masks import MaskSet
from vision_egs.mest.schemes import BLOCK_ROWS
from vision_egs.pruning.schemes import gemm_shape

VALUE_BYTES = INDEX_BYTES = 4
COPIES = 3  # weight, gradient, momentum


@dataclass
class Footprint:
    bytes: int  # training footprint between updates
    update_bytes: int  # while a dense gradient is held for a mask update
    dense_bytes: int  # the same model trained dense


def index_count(scheme: str, rows: int, kept_units: int) -> int:
    if scheme == "unstructured":
        return kept_units + rows + 1
    if scheme == "block":
        return kept_units + rows // BLOCK_ROWS + 1
    return kept_units


def training_footprint(model: nn.Module, masks: Optional[MaskSet], dense_gradient: bool = False) -> Footprint:
    params = dict(model.named_parameters())
    dense = COPIES * VALUE_BYTES * sum(p.numel() for p in params.values())
    if masks is None:
        return Footprint(dense, dense, dense)
    total, extra = dense, 0
    for name, w in masks.weights.items():
        kept_units = masks.active(name)
        kept = int(masks.masks[name].sum())
        total -= COPIES * VALUE_BYTES * (w.numel() - kept)
        total += INDEX_BYTES * index_count(masks.scheme, gemm_shape(w)[0], kept_units)
        extra += VALUE_BYTES * w.numel()
    return Footprint(total, total + (extra if dense_gradient else 0), dense)
