"""Streaming greedy search and modified beam search (icefall's streaming_decode.py, sherpa-onnx's
OnlineRecognizer): each utterance is a Stream, fed one chunk of features at a time through the
causal encoder's streaming_forward. What a stream carries from one chunk to the next: the encoder
caches, the feature frames it has consumed, and the search's hypotheses, whose last tokens are
the decoder's context. On a causal model both give the tokens of the offline searches on
forward(chunk_size=chunk_frames // 4), the encoder output being the same frames.
"""
from dataclasses import dataclass
from typing import Any, Callable, List, Tuple

import torch

from icefall_ext.decoding.beam_search import advance_beams, ranked
from icefall_ext.decoding.greedy_search import extend_greedy
from icefall_ext.models.subsampling import LOOKAHEAD_FRAMES, subsampled_lengths
from icefall_ext.models.transducer import Transducer


@dataclass
class Stream:
    states: List[torch.Tensor]  # encoder caches of this stream alone (ConformerEncoder.init_states(1))
    hyp: Any  # the search's state: token ids from Decoder.initial_context() (greedy), {ys: log_prob} (beam)
    processed_frames: int = 0  # feature frames consumed, a multiple of the chunk


def chunk_window(feats: torch.Tensor, start: int, chunk_frames: int) -> Tuple[torch.Tensor, int]:
    """feats (T, F) -> the window the encoder reads for the chunk at `start`: frames
    [start, start + chunk_frames + LOOKAHEAD_FRAMES), zeros past the end, and how many are real."""
    window = feats[start : start + chunk_frames + LOOKAHEAD_FRAMES]
    valid = window.shape[0]
    return torch.nn.functional.pad(window, (0, 0, 0, chunk_frames + LOOKAHEAD_FRAMES - valid)), valid


@torch.no_grad()
def encode_chunk(
    model: Transducer, streams: List[Stream], windows: torch.Tensor, valid: torch.Tensor
) -> Tuple[torch.Tensor, torch.Tensor]:
    """The next chunk of each stream (windows (N, chunk_frames + LOOKAHEAD_FRAMES, F), valid (N,) real
    frames) -> encoder_out (N, chunk, D), valid frames (N,); the streams' caches move on."""
    states = [torch.cat([s.states[j] for s in streams], dim=2) for j in range(len(streams[0].states))]
    processed = torch.tensor([s.processed_frames for s in streams], dtype=torch.int64, device=windows.device)
    encoder_out, lens, states = model.encoder.streaming_forward(windows, states, processed, valid)
    for i, s in enumerate(streams):
        s.states = [t[:, :, i : i + 1] for t in states]
        s.processed_frames += windows.shape[1] - LOOKAHEAD_FRAMES
    return encoder_out, lens


Advance = Callable[[Transducer, torch.Tensor, torch.Tensor, List[Any]], List[Any]]


def decode_streams(
    model: Transducer, feats: torch.Tensor, feat_lens: torch.Tensor, chunk_frames: int, start: Callable[[], Any],
    advance: Advance,
) -> List[Stream]:
    """Each utterance of a padded batch (N, T, F) as a stream, all fed chunk by chunk together;
    `start` gives a stream's initial search state, `advance` moves the active ones over a chunk."""
    chunk = model.encoder.streaming_chunk_size(chunk_frames)
    streams = [Stream(model.encoder.init_states(1, feats.device), start()) for _ in range(feats.shape[0])]
    num_chunks = (-(-subsampled_lengths(feat_lens.cpu()) // chunk)).tolist()  # enough to cover each one's frames
    for k in range(max(num_chunks, default=0)):
        active = [i for i, n in enumerate(num_chunks) if n > k]
        windows = [chunk_window(feats[i, : int(feat_lens[i])], k * chunk_frames, chunk_frames) for i in active]
        encoder_out, lens = encode_chunk(
            model, [streams[i] for i in active], torch.stack([w for w, _ in windows]),
            torch.tensor([v for _, v in windows], device=feats.device),
        )
        for i, hyp in zip(active, advance(model, encoder_out, lens, [streams[i].hyp for i in active])):
            streams[i].hyp = hyp
    return streams


def streaming_greedy_search(
    model: Transducer, feats: torch.Tensor, feat_lens: torch.Tensor, chunk_frames: int
) -> List[List[int]]:
    """Token ids per utterance of features (N, T, F), decoded in chunks of `chunk_frames` feature frames."""
    streams = decode_streams(model, feats, feat_lens, chunk_frames, model.decoder.initial_context, extend_greedy)
    return [s.hyp[model.decoder.context_size :] for s in streams]


def streaming_modified_beam_search(
    model: Transducer, feats: torch.Tensor, feat_lens: torch.Tensor, chunk_frames: int, beam: int = 4
) -> List[List[int]]:
    """Best token ids per utterance; the beam of each stream carries over from chunk to chunk."""
    streams = decode_streams(
        model, feats, feat_lens, chunk_frames, lambda: {tuple(model.decoder.initial_context()): 0.0},
        lambda m, enc, lens, beams: advance_beams(m, enc, lens, beams, beam),
    )
    return [list(ranked(s.hyp)[0].ys[model.decoder.context_size :]) for s in streams]
