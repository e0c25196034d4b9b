"""The end-of-sentence latency penalty of Li et al. 2020 ("Towards fast and accurate streaming
end-to-end ASR", ICASSP 2020), applied to the <eos> emission in the RNN-T lattice: emitting <eos>
at encoder frame t costs
    late_scale * max(0, t - (ref_end + buffer)) + early_scale * max(0, (ref_end - buffer) - t)
nats, added to the loss through rnnt_loss's last_label_penalty (<eos> is every training
transcript's last label). ref_end is the reference end frame of the last word; within `buffer`
frames of it nothing is charged. In training it comes from the cuts' word alignments (lhotse's
`supervision.alignment["word"]`: a corpus's own, or bin/align_cuts.py's forced alignment), as
Li et al. take theirs from a conventional model's alignment.
"""
import math
from dataclasses import dataclass
from typing import List, Optional, Sequence

import torch
from lhotse.cut import Cut, MixedCut

from recipe_common.errors import InputError


@dataclass
class EosPenaltyConfig:
    late_scale: float = 0.0  # nats per frame of <eos> after ref_end + buffer
    early_scale: float = 0.0  # nats per frame of <eos> before ref_end - buffer
    buffer_frames: int = 2  # encoder frames either side of ref_end charged nothing

    def __post_init__(self):
        for name in ("late_scale", "early_scale", "buffer_frames"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, not {getattr(self, name)}")

    @property
    def active(self) -> bool:
        return self.late_scale > 0 or self.early_scale > 0


def word_ends_in_cut(cut: Cut) -> Optional[List[float]]:
    """The end of every aligned word, in seconds from the cut's start; None where a supervision has
    no word alignment. Alignment times count from the recording's start (lhotse's convention), so
    a cut's own start is taken off; in a MixedCut (CutMix noise, for one) each track's offset is
    added and tracks without supervisions (noise, padding) are left out."""
    if isinstance(cut, MixedCut):
        ends: List[float] = []
        for track in cut.tracks:
            if track.cut.supervisions:
                inner = word_ends_in_cut(track.cut)
                if inner is None:
                    return None
                ends += [e + track.offset for e in inner]
        return ends
    if not cut.supervisions or any("word" not in (s.alignment or {}) for s in cut.supervisions):
        return None
    return [w.start + w.duration - cut.start for s in cut.supervisions for w in s.alignment["word"]]


def end_frame(end: float, frame_seconds: float) -> int:
    """The encoder frame f in which a word ending at `end` seconds ends: (f + 1) frames reach it."""
    return max(0, math.ceil(end / frame_seconds - 1e-6) - 1)


def reference_end_frames(cuts: Sequence[Cut], subsampling_factor: int) -> torch.Tensor:
    """(B,) the encoder frame f in which each cut's last aligned word ends: (f + 1) frames of
    subsampling_factor * cut.frame_shift seconds reach its end (eos_endpoint's reference end).
    A cut with no words (silence, an empty transcript) ends at frame 0."""
    frames = []
    for cut in cuts:
        ends = word_ends_in_cut(cut)
        if ends is None:
            raise InputError(f"cut {cut.id}: no word alignment, which the <eos> latency penalty needs "
                             "(align the training cuts first: python -m icefall_ext.bin.align_cuts)")
        end = max(ends, default=0.0)
        frames.append(end_frame(end, subsampling_factor * cut.frame_shift))
    return torch.tensor(frames, dtype=torch.long)


def eos_emission_penalty(num_frames: int, ref_end_frames: torch.Tensor, cfg: EosPenaltyConfig) -> torch.Tensor:
    """(B, num_frames) penalty of emitting <eos> at each encoder frame; ref_end_frames: (B,)."""
    t = torch.arange(num_frames, device=ref_end_frames.device, dtype=torch.float32).unsqueeze(0)
    ref = ref_end_frames.to(torch.float32).unsqueeze(1)
    late = (t - (ref + cfg.buffer_frames)).clamp(min=0)
    early = ((ref - cfg.buffer_frames) - t).clamp(min=0)
    return cfg.late_scale * late + cfg.early_scale * early
