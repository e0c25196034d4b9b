"""End-of-sentence endpointing (SURT-EP, Lu et al. arXiv 2201.09979): a model trained with <eos>
after every transcript (tokens.eos) ends an utterance at the frame where it emits <eos>; decoding
stops there, and what it would have recognised after it is dropped and counted.

Greedy search over a causal encoder's full forward in chunks of C frames gives the tokens and
frames of streaming greedy search at that chunk (decoding/streaming.py), so the endpoint is found
offline, from the features a stream computes (decoding/streaming_audio.py) of the audio followed
by trailing silence, and timed when a stream would know it: at the end of the audio that decodes
the chunk holding the <eos>. The reference end of an utterance is the end of its last aligned word in the
cut (bin/align_cuts.py: one model's forced alignment, the same for every endpointer compared).
"""
from dataclasses import dataclass
from typing import List, Optional

import torch
from lhotse import CutSet

from icefall_ext.decoding.endpoint_audio import audio_with_silence, reference_end
from icefall_ext.decoding.endpoint_metrics import Endpointed
from icefall_ext.decoding.greedy_search import greedy_search_with_frames
from icefall_ext.decoding.streaming_audio import stream_features
from icefall_ext.models.subsampling import LOOKAHEAD_FRAMES, SUBSAMPLING_FACTOR
from icefall_ext.models.transducer import Transducer
from icefall_ext.tokens.bpe import Tokenizer


@dataclass
class EosDecoded:
    tokens: List[int]  # before <eos>
    endpoint_frame: Optional[int]  # encoder frame of the first <eos>; None: none emitted
    dropped_words: int  # words recognised after it


def cut_at_eos(tokens: List[int], frames: List[int], eos_id: int, tokenizer: Tokenizer) -> EosDecoded:
    if eos_id not in tokens:
        return EosDecoded(tokens, None, 0)
    k = tokens.index(eos_id)
    return EosDecoded(tokens[:k], frames[k], len(tokenizer.decode(tokens[k + 1 :]).split()))


def stream_time(frame: int, chunk_size: int, frame_shift: float = 0.01) -> float:
    """Seconds of audio a stream has consumed when it decodes encoder frame `frame`: the whole
    chunk of `chunk_size` encoder frames that holds it and the encoder's look-ahead, as sherpa-onnx's
    OnlineRecognizer needs them (so the <eos> endpoint is timed as the rules' endpoint is)."""
    chunk = frame // chunk_size + 1
    return (chunk * chunk_size * SUBSAMPLING_FACTOR + LOOKAHEAD_FRAMES) * frame_shift


@torch.no_grad()
def endpoint_batch(model: Transducer, tokenizer: Tokenizer, feats: torch.Tensor, feat_lens: torch.Tensor,
                   refs: List[str], ref_ends: List[float], cut_ids: List[str], chunk_size: int,
                   frame_shift: float = 0.01) -> List[Endpointed]:
    """Greedy EOS endpointing of a padded batch (N, T, F), the causal encoder run in chunks of
    `chunk_size` encoder frames; ref_ends: each reference's last word end, in seconds."""
    if tokenizer.eos_id is None:
        raise ValueError("EOS endpointing needs a BPE model with <eos> (tokens.eos: true)")
    encoder_out, encoder_lens = model.encoder(feats, feat_lens, chunk_size=chunk_size)
    decoded = [cut_at_eos(t, f, tokenizer.eos_id, tokenizer)
               for t, f in greedy_search_with_frames(model, encoder_out, encoder_lens)]
    return [
        Endpointed(cut_id, ref.split(), tokenizer.decode(d.tokens).split(), ref_end=ref_end,
                   endpoint=stream_time(d.endpoint_frame, chunk_size, frame_shift) if d.endpoint_frame is not None else None,
                   dropped_words=d.dropped_words)
        for cut_id, ref, ref_end, d in zip(cut_ids, refs, ref_ends, decoded)
    ]


def endpoint_cuts_eos(model: Transducer, tokenizer: Tokenizer, cuts: CutSet, chunk_frames: int,
                      trailing_silence: float, batch_size: int = 16) -> List[Endpointed]:
    """EOS endpointing of every cut (with word alignments), its audio followed by
    `trailing_silence` seconds of noise floor, at the streaming chunk of `chunk_frames`."""
    chunk_size = model.encoder.streaming_chunk_size(chunk_frames)
    device = next(model.parameters()).device
    cut_list, out = list(cuts), []
    for i in range(0, len(cut_list), batch_size):
        batch = cut_list[i : i + batch_size]
        feats = [stream_features(audio_with_silence(cut, trailing_silence), chunk_frames) for cut in batch]
        lens = torch.tensor([f.shape[0] for f in feats])
        padded = torch.nn.utils.rnn.pad_sequence(feats, batch_first=True).to(device)
        out += endpoint_batch(model, tokenizer, padded, lens.to(device), [c.supervisions[0].text for c in batch],
                              [reference_end(c) for c in batch], [c.id for c in batch], chunk_size)
    return out
