"""Streaming greedy search of a SURT model: the mixtures are fed chunk by chunk through the masker
and the shared encoder (Surt.streaming_forward), and each of the C * N channel streams extends its
own hypothesis with the shared decoder and joiner (decoding/greedy_search.py's extend_greedy).
On a causal model the tokens and their frames are those of the offline greedy search on
forward_encoder(chunk_size=chunk_frames // 4), the encoder output being the same frames; the
frame of each token is what an <eos> endpoint time is read from.
"""
import logging
from typing import List, Tuple

import torch
from lhotse import CutSet
from lhotse.cut import MixedCut
from lhotse.dataset import SimpleCutSampler
from lhotse.dataset.collation import collate_features

from icefall_ext.data.mixtures import mixture_overlap
from icefall_ext.decoding.greedy_search import extend_greedy
from icefall_ext.decoding.streaming import chunk_window
from icefall_ext.decoding.surt_files import Channel, DecodedMixture, references_of
from icefall_ext.models.subsampling import subsampled_lengths
from icefall_ext.models.surt import Surt
from recipe_common.logging import Progress


@torch.no_grad()
def surt_streaming_greedy_search(
    model: Surt, feats: torch.Tensor, feat_lens: torch.Tensor, chunk_frames: int
) -> List[List[Tuple[List[int], List[int]]]]:
    """Per mixture of features (N, T, F), per output channel: (token ids, encoder frame of each)."""
    chunk = model.asr.encoder.streaming_chunk_size(chunk_frames)
    n, c = feats.shape[0], model.num_channels
    states = model.init_states(n, feats.device)
    hyps = [model.asr.decoder.initial_context() for _ in range(c * n)]
    frames: List[List[int]] = [[] for _ in hyps]
    num_chunks = int((-(-subsampled_lengths(feat_lens.cpu()) // chunk)).max()) if n else 0
    for k in range(num_chunks):
        # Every stream is fed every chunk; one that has ended gets no valid frames.
        windows = [chunk_window(feats[i, : int(feat_lens[i])], k * chunk_frames, chunk_frames) for i in range(n)]
        encoder_out, lens, states = model.streaming_forward(
            torch.stack([w for w, _ in windows]), states,
            torch.full((n,), k * chunk_frames, dtype=torch.int64, device=feats.device),
            torch.tensor([v for _, v in windows], device=feats.device),
        )
        chunk_frames_of = [[] for _ in hyps]
        extend_greedy(model.asr, encoder_out, lens, hyps, chunk_frames_of)
        for stream, emitted in zip(frames, chunk_frames_of):
            stream.extend(k * chunk + t for t in emitted)
    ctx = model.asr.decoder.context_size
    return [[(hyps[j * n + i][ctx:], frames[j * n + i]) for j in range(c)] for i in range(n)]


def decode_mixtures(model: Surt, cuts: CutSet, chunk_frames: int, max_duration: float) -> List[DecodedMixture]:
    """Every cut (a two-talker mixture, or a single-talker utterance, which SURT also hears)
    decoded streaming on the model's device, with its references, in the order of `cuts`."""
    device = next(model.parameters()).device
    out: List[DecodedMixture] = []
    progress = Progress(len(cuts))
    for batch in SimpleCutSampler(cuts, max_duration=max_duration):
        batch = batch.sort_by_duration(ascending=False)
        feats, lens = collate_features(batch)
        for cut, channels in zip(batch, surt_streaming_greedy_search(model, feats.to(device), lens.to(device), chunk_frames)):
            ratio = mixture_overlap(cut)[1] if isinstance(cut, MixedCut) else 0.0
            out.append(DecodedMixture(cut.id, cut.duration, ratio, references_of(cut),
                                      [Channel(tokens, frames) for tokens, frames in channels]))
        logging.info(f"SURT streaming decode: {len(out)}/{len(cuts)} | {progress.eta_str(len(out))}")
    order = {c.id: i for i, c in enumerate(cuts)}
    return sorted(out, key=lambda d: order[d.id])
