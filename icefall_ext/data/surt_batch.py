"""A batch of two-talker mixtures as SURT trains on it: the mixtures' features (lhotse mixes the
sources' precomputed features at load time) and each channel's HEAT reference as token ids.

The role of lhotse's K2SurtDataset, cut down to what the model reads, with our HEAT assignment
(icefall_ext/losses/heat.py); in strict mode a mixture with more simultaneous talkers than
channels is dropped and counted, as lhotse's strict=True drops it. With sources, the batch also
holds the HEAT mask loss's targets: each channel's sources' log-mel features at their offsets and
at the gains lhotse mixed them with; with word alignments, each channel's reference end frame for
the <eos> latency penalty.
"""
from dataclasses import dataclass
from typing import Callable, List, Optional

import numpy as np
import torch
from lhotse import CutSet
from lhotse.cut import Cut, MixedCut
from lhotse.dataset.collation import collate_features
from lhotse.utils import compute_num_frames

import icefall_ext.features.kaldi_native_fbank  # noqa: F401  (registers the extractor lhotse mixes our features with)
from icefall_ext.losses.eos_latency import end_frame, word_ends_in_cut
from icefall_ext.losses.heat import LOG_EPSILON, ChannelAssignment, assign_batch
from icefall_ext.models.subsampling import SUBSAMPLING_FACTOR
from icefall_ext.models.surt import channel_targets
from recipe_common.errors import InputError


@dataclass
class SurtBatch:
    features: torch.Tensor  # (N, T, F)
    feature_lens: torch.Tensor  # (N,)
    y: torch.Tensor  # (C, N, U) token ids of each channel's references, padded with -1
    y_lens: torch.Tensor  # (C, N)
    cut_ids: List[str]
    dropped: int  # mixtures left out: more overlapping talkers than channels (strict)
    source_targets: Optional[torch.Tensor] = None  # (N, C, T, F): the HEAT mask loss's targets
    eos_ref_frames: Optional[torch.Tensor] = None  # (C, N): each channel's reference end (encoder frame)


def heat_source_targets(mixture: Cut, assignment: ChannelAssignment, num_frames: int) -> np.ndarray:
    """(C, num_frames, F) log-mel targets of one mixture: on each channel, the energy sum of the
    sources HEAT assigned to it, each scaled by the gain lhotse's feature mixer gives it (the
    reference track's energy over its own, times 10^(-snr/10)) and placed at its offset;
    LOG_EPSILON where no source speaks. icefall adds source features to LOG_EPSILON in the log
    domain; the energy sum here makes the channels' sum the mixture's features again."""
    if not isinstance(mixture, MixedCut):
        raise InputError(f"cut '{mixture.id}': HEAT source targets need a lhotse MixedCut of the sources")
    feats = [track.cut.load_features() for track in mixture.tracks]
    energy = [float(np.exp(f).sum()) for f in feats]
    track_of = {sup.id: k for k, track in enumerate(mixture.tracks) for sup in track.cut.supervisions}
    targets = np.full((len(assignment.channels), num_frames, feats[0].shape[1]), LOG_EPSILON, dtype=np.float32)
    for c, sups in enumerate(assignment.channels):
        for sup in sups:
            k = track_of[sup.id]
            track = mixture.tracks[k]
            gain = 1.0 if track.snr is None else energy[0] * 10.0 ** (-track.snr / 10.0) / energy[k]
            start = compute_num_frames(track.offset, mixture.frame_shift, mixture.sampling_rate)
            source = feats[k][: max(0, num_frames - start)] + np.log(gain)
            span = targets[c, start : start + len(source)]
            targets[c, start : start + len(source)] = np.logaddexp(span, source)
    return targets


def channel_end_frames(mixture: Cut, assignment: ChannelAssignment) -> List[int]:
    """Per channel, the encoder frame in which the last aligned word of its references ends in the
    mixture (losses/eos_latency.py's reference end, each source's word ends shifted by its track's
    offset); 0 for a channel with no reference. A source without a word alignment is one line."""
    if not isinstance(mixture, MixedCut):
        raise InputError(f"cut '{mixture.id}': per-channel reference ends need a lhotse MixedCut of the sources")
    end_of = {}
    for track in mixture.tracks:
        for sup in track.cut.supervisions:
            ends = word_ends_in_cut(track.cut)
            if ends is None:
                raise InputError(f"mixture '{mixture.id}': source '{track.cut.id}' has no word alignment, which the "
                                 "<eos> latency penalty needs (align the source cuts first: python -m icefall_ext.bin.align_cuts)")
            end_of[sup.id] = max(ends, default=0.0) + track.offset
    seconds = SUBSAMPLING_FACTOR * mixture.frame_shift
    return [end_frame(max(end_of[s.id] for s in sups), seconds) if sups else 0 for sups in assignment.channels]


def collate_surt_batch(
    cuts: CutSet, encode: Callable[[str], List[int]], num_channels: int = 2, strict: bool = True,
    with_sources: bool = False, with_eos_ends: bool = False,
) -> Optional[SurtBatch]:
    """The batch of `cuts` (mixtures with one supervision per utterance); None where strict mode
    drops every one of them. with_sources: also the HEAT mask loss's targets (precomputed features);
    with_eos_ends: also each channel's reference end frame (sources with word alignments)."""
    kept, dropped = assign_batch([(c.id, c.supervisions) for c in cuts], num_channels, strict)
    if not kept:
        return None
    ids = {mixture_id for mixture_id, _ in kept}
    features, feature_lens = collate_features(cuts.filter(lambda c: c.id in ids).to_eager())
    y, y_lens = channel_targets([a.texts() for _, a in kept], encode, num_channels)
    by_id = {c.id: c for c in cuts}
    sources = eos_ends = None
    if with_sources:
        sources = torch.from_numpy(np.stack([heat_source_targets(by_id[i], a, features.shape[1]) for i, a in kept]))
    if with_eos_ends:
        eos_ends = torch.tensor([channel_end_frames(by_id[i], a) for i, a in kept], dtype=torch.int64).T.contiguous()
    return SurtBatch(features, feature_lens, y, y_lens, [mixture_id for mixture_id, _ in kept], dropped, sources,
                     eos_ends)
