"""End-of-sentence endpointing (SURT-EP, Lu et al. arXiv 2201.09979): a model trained with <eos>
after every transcript (tokens.eos) ends an utterance at the frame where it emits <eos>; decoding
stops there, and what it would have recognised after it is dropped and counted.

Greedy search over a causal encoder's full forward gives the tokens and frames of streaming
greedy search at its chunk size (decoding/streaming.py), so the endpoint is found offline. The
reference end of an utterance is the frame at which the model's own forced alignment
(decoding/alignment.py) of the reference, <eos> left out, emits the last word's last token.
"""
from dataclasses import dataclass
from typing import List, Optional

import torch

from icefall_ext.decoding.alignment import align
from icefall_ext.decoding.endpoint_metrics import Endpointed
from icefall_ext.decoding.greedy_search import greedy_search_with_frames
from icefall_ext.models.subsampling import SUBSAMPLING_FACTOR
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


def encoder_frame_seconds(frame_shift: float = 0.01) -> float:
    return SUBSAMPLING_FACTOR * frame_shift


@torch.no_grad()
def endpoint_batch(model: Transducer, tokenizer: Tokenizer, feats: torch.Tensor, feat_lens: torch.Tensor,
                   refs: List[str], cut_ids: List[str], frame_shift: float = 0.01) -> List[Endpointed]:
    """Greedy EOS endpointing of a padded batch (N, T, F) with the references' end times."""
    if tokenizer.eos_id is None:
        raise ValueError("EOS endpointing needs a BPE model with <eos> (tokens.eos: true)")
    encoder_out, encoder_lens = model.forward_encoder(feats, feat_lens)
    decoded = [cut_at_eos(t, f, tokenizer.eos_id, tokenizer)
               for t, f in greedy_search_with_frames(model, encoder_out, encoder_lens)]
    ref_ids = [tokenizer.encode(r)[:-1] for r in refs]  # the alignment's reference: <eos> left out
    y = torch.full((len(ref_ids), max(1, max(len(r) for r in ref_ids))), -1, dtype=torch.long, device=feats.device)
    for i, r in enumerate(ref_ids):
        y[i, : len(r)] = torch.tensor(r, dtype=torch.long)
    y_lens = torch.tensor([len(r) for r in ref_ids], device=feats.device)
    ref_frames = align(model, encoder_out, encoder_lens, y, y_lens)
    sec = encoder_frame_seconds(frame_shift)
    return [
        Endpointed(cut_id, ref.split(), tokenizer.decode(d.tokens).split(),
                   ref_end=(f[-1] + 1) * sec if f else 0.0,
                   endpoint=(d.endpoint_frame + 1) * sec if d.endpoint_frame is not None else None)
        for cut_id, ref, d, f in zip(cut_ids, refs, decoded, ref_frames)
    ]
