"""Structured channel pruning of a WDSR-B's blocks (Li et al., ICLR 2017, L1-norm filter pruning): in
block i the share ratios[i] of its expanded channels whose expanding filters (normalised weights) have
the smallest L1 norm is removed. `prune` returns a WDSR-B with narrower blocks, truly smaller and
faster under any runtime (ONNX Runtime has no sparse convolution: zeroed weights run at dense speed);
`mask` zeroes the same channels instead, the reference the pruned network equals and a cheap way to
score ratios before building anything.
"""
import copy
from typing import List, Sequence

import torch

from vision_egs.sr_search.models import WDSRB, narrowed
from vision_egs.sr_search.supernet import SubnetChoice


def kept_count(width: int, ratio: float) -> int:
    """Expanded channels left of `width` pruned by `ratio` (at least one)."""
    return max(1, round(width * (1 - ratio)))


def _check(model: WDSRB, ratios: Sequence[float]) -> None:
    if len(ratios) != len(model.body) or not all(0 <= r < 1 for r in ratios):
        raise ValueError(f"pruning needs one ratio in [0, 1) per block ({len(model.body)}), not {list(ratios)}")


def pruned_choice(choice: SubnetChoice, ratios: Sequence[float]) -> SubnetChoice:
    """The widths a sub-network has once pruned by `ratios`, as the latency model reads them."""
    return SubnetChoice(tuple(kept_count(w, r) for w, r in zip(choice.widths, ratios)))


def kept_channels(model: WDSRB, ratios: Sequence[float]) -> List[torch.Tensor]:
    """Per block, the sorted indices of the expanded channels of largest L1 norm (first of equals)."""
    _check(model, ratios)
    keeps = []
    for block, ratio in zip(model.body, ratios):
        weight = block.body[0].weight.detach()
        l1 = weight.abs().sum(dim=(1, 2, 3))
        order = torch.argsort(l1, descending=True, stable=True)
        keeps.append(order[:kept_count(len(l1), ratio)].sort().values)
    return keeps


def prune(model: WDSRB, ratios: Sequence[float]) -> WDSRB:
    """A smaller WDSR-B without the pruned channels; it computes what `mask(model, ratios)` does."""
    return narrowed(model, kept_channels(model, ratios))


def mask(model: WDSRB, ratios: Sequence[float]) -> WDSRB:
    """A copy with the pruned channels zeroed: their expanding filter's g and bias set to 0, so the
    channel is 0 after its ReLU (zeroing v would divide 0 by its norm 0)."""
    out = copy.deepcopy(model)
    with torch.no_grad():
        for block, keep in zip(out.body, kept_channels(model, ratios)):
            expand = block.body[0]
            dropped = torch.ones(expand.out_channels, dtype=torch.bool)
            dropped[keep] = False
            expand.parametrizations.weight.original0[dropped] = 0
            expand.bias[dropped] = 0
    return out
