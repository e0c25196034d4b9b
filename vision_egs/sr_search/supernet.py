"""The weight-sharing supernet of the search: a WDSR-B (models.WDSRB: head, wide-activation blocks,
pixel-shuffle tail, global skip) at the largest depth and width, whose sub-networks are its first
`depth` blocks, block i using only its first widths[i] expanded channels. As in once-for-all and
slimmable networks every sub-network trains the same parameters, and the channels that all of them
use come first.

Weight normalisation (w = g v / |v|, one g and one norm per output channel) stays on the full-width
convolutions, and a sub-network slices the direction v and keeps g. Slicing the expanding conv's
output channels commutes with it (each kept row has its own g and v). The linear conv loses input
channels, and its norm is taken over the kept ones, g v[:, :k] / |v[:, :k]|: every sub-network's
linear conv is weight-normalised in its own right (rows of norm g at any width), its gradient stays
on its own channels (a norm over the full width would pass gradient to channels it does not use and
let them rescale it), and `extract` copies g and the sliced v into a standalone weight-normalised
WDSR-B (models.narrowed with slice_direction) that computes the same output, ready to fine-tune.

Training follows the sandwich rule (Yu & Huang, ICCV 2019; BigNAS): each step takes the gradients
of the largest, the smallest and a few random sub-networks (`sandwich`).
"""
import random
from dataclasses import dataclass
from typing import List, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from recipe_common.errors import InputError
from vision_egs.sr_search.models import WDSRB, WDSRBlock, narrowed


@dataclass(frozen=True)
class SubnetChoice:
    """A sub-network: its depth is len(widths), block i has widths[i] expanded channels."""
    widths: Tuple[int, ...]

    @property
    def depth(self) -> int:
        return len(self.widths)

    def __str__(self) -> str:
        return f"d{self.depth}:{'-'.join(map(str, self.widths))}"


@dataclass(frozen=True)
class SearchSpace:
    widths: Tuple[int, ...] = (64, 96, 128, 160, 192)  # expanded channels a block may have, increasing
    min_depth: int = 2
    max_depth: int = 8
    features: int = 32  # channels between blocks, fixed
    linear: float = 0.8  # low-rank channels of every block = int(features * linear), fixed, as models.WDSRB

    def __post_init__(self):
        object.__setattr__(self, "widths", tuple(self.widths))  # a config's list, hashable and comparable
        if not self.widths or list(self.widths) != sorted(set(self.widths)) or self.widths[0] < 1:
            raise ValueError(f"search widths must be positive and increasing, not {list(self.widths)}")
        if not 1 <= self.min_depth <= self.max_depth:
            raise ValueError(f"search depths must satisfy 1 <= min_depth <= max_depth, not "
                             f"{self.min_depth}..{self.max_depth}")

    @property
    def linear_channels(self) -> int:
        return int(self.features * self.linear)

    def largest(self) -> SubnetChoice:
        return SubnetChoice((self.widths[-1],) * self.max_depth)

    def smallest(self) -> SubnetChoice:
        return SubnetChoice((self.widths[0],) * self.min_depth)

    def sample(self, rng: random.Random) -> SubnetChoice:
        """Depth uniform, then each block's width uniform."""
        depth = rng.randint(self.min_depth, self.max_depth)
        return SubnetChoice(tuple(rng.choice(self.widths) for _ in range(depth)))

    def check(self, choice: SubnetChoice) -> None:
        if not self.min_depth <= choice.depth <= self.max_depth or any(w not in self.widths for w in choice.widths):
            raise InputError(f"sub-network {choice} is outside the search space (depth {self.min_depth}.."
                             f"{self.max_depth}, widths {', '.join(map(str, self.widths))})")


def sandwich(space: SearchSpace, rng: random.Random, n_random: int = 2) -> List[SubnetChoice]:
    """The sub-networks of one training step by the sandwich rule: largest, smallest, `n_random` random."""
    return [space.largest(), space.smallest()] + [space.sample(rng) for _ in range(n_random)]


def sliced_block(block: WDSRBlock, x: torch.Tensor, width: int) -> torch.Tensor:
    """`block` on its first `width` expanded channels, the linear conv normalised over them."""
    expand, _, linear, conv = block.body
    h = F.relu(F.conv2d(x, expand.weight[:width], expand.bias[:width]))
    g, v = linear.parametrizations.weight.original0, linear.parametrizations.weight.original1[:, :width]
    weight = g * v / v.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    return x + conv(F.conv2d(h, weight, linear.bias))


class Supernet(nn.Module):
    def __init__(self, scale: int, space: SearchSpace):
        super().__init__()
        self.space = space
        self.net = WDSRB(scale, features=space.features, linear=space.linear,
                         widths=[space.widths[-1]] * space.max_depth)

    def forward(self, x: torch.Tensor, choice: SubnetChoice) -> torch.Tensor:
        self.space.check(choice)

        def body(h: torch.Tensor) -> torch.Tensor:
            for block, width in zip(self.net.body, choice.widths):
                h = sliced_block(block, h, width)
            return h

        return self.net.around(body, x)

    def extract(self, choice: SubnetChoice) -> WDSRB:
        """The sub-network as a standalone WDSR-B with the shared weights copied."""
        self.space.check(choice)
        return narrowed(self.net, [torch.arange(width) for width in choice.widths], slice_direction=True)
