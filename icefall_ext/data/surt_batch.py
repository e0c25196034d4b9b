"""A batch of two-talker mixtures as SURT trains on it: the mixtures' features (lhotse mixes the
sources' precomputed features at load time) and each channel's HEAT reference as token ids.

The role of lhotse's K2SurtDataset, cut down to what the model reads, with our HEAT assignment
(icefall_ext/losses/heat.py); in strict mode a mixture with more simultaneous talkers than
channels is dropped and counted, as lhotse's strict=True drops it.
"""
from dataclasses import dataclass
from typing import Callable, List, Optional

import torch
from lhotse import CutSet
from lhotse.dataset.collation import collate_features

from icefall_ext.losses.heat import assign_batch
from icefall_ext.models.surt import channel_targets


@dataclass
class SurtBatch:
    features: torch.Tensor  # (N, T, F)
    feature_lens: torch.Tensor  # (N,)
    y: torch.Tensor  # (C, N, U) token ids of each channel's references, padded with -1
    y_lens: torch.Tensor  # (C, N)
    cut_ids: List[str]
    dropped: int  # mixtures left out: more overlapping talkers than channels (strict)


def collate_surt_batch(
    cuts: CutSet, encode: Callable[[str], List[int]], num_channels: int = 2, strict: bool = True
) -> Optional[SurtBatch]:
    """The batch of `cuts` (mixtures with one supervision per utterance); None where strict mode
    drops every one of them."""
    kept, dropped = assign_batch([(c.id, c.supervisions) for c in cuts], num_channels, strict)
    if not kept:
        return None
    ids = {mixture_id for mixture_id, _ in kept}
    features, feature_lens = collate_features(cuts.filter(lambda c: c.id in ids).to_eager())
    y, y_lens = channel_targets([a.texts() for _, a in kept], encode, num_channels)
    return SurtBatch(features, feature_lens, y, y_lens, [mixture_id for mixture_id, _ in kept], dropped)
