"""HEAT (heuristic error assignment training, SURT 2.0): which output channel learns which reference.

As lhotse's K2SurtDataset: the supervisions of a mixture, sorted by start time, each go to the
first channel that is empty or whose last supervision has ended by its start; a channel's
reference is its supervisions' texts joined in time order. Where no channel is free (more
simultaneous talkers than channels) lhotse puts the supervision on the channel that ends first
and keeps the mixture, or with strict=True drops it; we do the same and count the drops, so that
a recipe can report them (lhotse only prints a warning).

The HEAT mask loss (icefall SURT's compute_heat_loss) trains the masker directly: each channel's
masked features against the log-mel features of the sources HEAT gave it (LOG_EPSILON where none
speaks); data/surt_batch.py builds those targets from a lhotse mixture.
"""
import math
from dataclasses import dataclass
from typing import List, Protocol, Sequence, Tuple

import torch

# The log-energy of a channel where no source speaks (icefall SURT's LOG_EPSILON).
LOG_EPSILON = math.log(1e-10)


class Timed(Protocol):
    start: float
    end: float
    text: str


@dataclass
class ChannelAssignment:
    channels: List[List[Timed]]  # per channel, its supervisions in time order
    overflow: bool  # some supervision found no free channel and overlaps another on its channel

    def texts(self) -> List[List[str]]:
        """Per channel, the texts of its supervisions in time order (what channel_targets tokenises
        one by one, so that each utterance ends with its own <eos>)."""
        return [[s.text for s in sups if s.text] for sups in self.channels]

    def transcripts(self, delimiter: str = " ") -> List[str]:
        """The per-channel references: texts joined in time order ("" for an unused channel)."""
        return [delimiter.join(texts) for texts in self.texts()]


def assign_channels(supervisions: Sequence[Timed], num_channels: int) -> ChannelAssignment:
    """HEAT assignment of one mixture's supervisions to `num_channels` channels (lhotse's rule)."""
    if num_channels <= 0:
        raise ValueError(f"num_channels must be positive, not {num_channels}")
    channels: List[List[Timed]] = [[] for _ in range(num_channels)]
    ends = [0.0] * num_channels
    overflow = False
    for sup in sorted(supervisions, key=lambda s: s.start):  # stable: ties keep the given order
        free = [i for i in range(num_channels) if not channels[i] or ends[i] <= sup.start]
        if free:
            i = free[0]
        else:
            overflow = True
            i = ends.index(min(ends))
        channels[i].append(sup)
        ends[i] = max(ends[i], sup.end)
    return ChannelAssignment(channels, overflow)


def assign_batch(
    mixtures: Sequence[Tuple[str, Sequence[Timed]]], num_channels: int, strict: bool = False
) -> Tuple[List[Tuple[str, ChannelAssignment]], int]:
    """([(mixture id, assignment)] kept, number dropped): strict drops a mixture that overflows."""
    kept, dropped = [], 0
    for mixture_id, sups in mixtures:
        assignment = assign_channels(sups, num_channels)
        if assignment.overflow and strict:
            dropped += 1
            continue
        kept.append((mixture_id, assignment))
    return kept, dropped


def heat_mask_loss(masked: torch.Tensor, targets: torch.Tensor, x_lens: torch.Tensor) -> torch.Tensor:
    """icefall's HEAT loss summed over the batch: per mixture, the squared error of the masked
    features (N, C, T, F) against the channels' source targets (N, C, T, F), summed over channels,
    averaged over features, summed over its x_lens frames and divided by them."""
    if masked.shape != targets.shape:
        raise ValueError(f"masked features {tuple(masked.shape)} and HEAT targets {tuple(targets.shape)} differ in shape")
    valid = torch.arange(masked.shape[2], device=masked.device).unsqueeze(0) < x_lens.unsqueeze(1)  # (N, T)
    error = (masked - targets).pow(2).mean(-1).sum(1) * valid  # (N, T)
    return (error.sum(1) / x_lens.clamp(min=1)).sum()
