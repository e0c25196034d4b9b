"""Batched greedy search for a stateless transducer: at most one symbol per frame,
as icefall's `greedy_search_batch` and sherpa-onnx's greedy search do."""
from typing import List, Optional, Tuple

import torch

from icefall_ext.models.transducer import Transducer


@torch.no_grad()
def greedy_search_batch(model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor) -> List[List[int]]:
    """encoder_out: (N, T, D) from model.encoder -> token ids per utterance."""
    hyps = [model.decoder.initial_context() for _ in range(encoder_out.shape[0])]
    return [h[model.decoder.context_size :] for h in extend_greedy(model, encoder_out, encoder_lens, hyps)]


@torch.no_grad()
def greedy_search_with_frames(
    model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor
) -> List[Tuple[List[int], List[int]]]:
    """Per utterance, the token ids of greedy_search_batch and the encoder frame of each."""
    hyps = [model.decoder.initial_context() for _ in range(encoder_out.shape[0])]
    frames: List[List[int]] = [[] for _ in hyps]
    extend_greedy(model, encoder_out, encoder_lens, hyps, frames)
    return [(h[model.decoder.context_size :], f) for h, f in zip(hyps, frames)]


@torch.no_grad()
def extend_greedy(
    model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor, hyps: List[List[int]],
    frames: Optional[List[List[int]]] = None,
) -> List[List[int]]:
    """Extends each hypothesis (token ids after Decoder.initial_context()) in place over the frames
    of encoder_out (N, T, D), the whole utterance or the next chunk of a stream; returns them.
    frames: where given, the frame index (in encoder_out) of each emitted token is appended."""
    blank, ctx = model.blank_id, model.decoder.context_size
    enc = model.joiner.encoder_proj(encoder_out)
    context = torch.tensor([h[-ctx:] for h in hyps], dtype=torch.long, device=encoder_out.device)
    dec = model.joiner.decoder_proj(model.decoder(context, need_pad=False)[:, -1])
    for t in range(encoder_out.shape[1]):
        active = encoder_lens > t
        logits = model.joiner(enc[:, t], dec, project_input=False)
        best = logits.argmax(dim=-1)
        emitted = (best != blank) & active
        if emitted.any():
            for i in torch.nonzero(emitted).flatten().tolist():
                hyps[i].append(int(best[i]))
                if frames is not None:
                    frames[i].append(t)
            context = torch.tensor([h[-ctx:] for h in hyps], dtype=torch.long, device=encoder_out.device)
            new_dec = model.joiner.decoder_proj(model.decoder(context, need_pad=False)[:, -1])
            dec = torch.where(emitted.unsqueeze(-1), new_dec, dec)
    return hyps
