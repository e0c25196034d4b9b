"""Batched greedy search for a stateless transducer: at most one symbol per frame,
as icefall's `greedy_search_batch` and sherpa-onnx's greedy search do."""
from typing import List

import torch

from icefall_ext.models.transducer import Transducer


@torch.no_grad()
def greedy_search_batch(model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor) -> List[List[int]]:
    """encoder_out: (N, T, D) from model.encoder -> token ids per utterance."""
    blank, ctx = model.blank_id, model.decoder.context_size
    n, t_max, _ = encoder_out.shape
    enc = model.joiner.encoder_proj(encoder_out)
    hyps: List[List[int]] = [model.decoder.initial_context() for _ in range(n)]
    context = torch.tensor(hyps, dtype=torch.long, device=encoder_out.device)
    dec = model.joiner.decoder_proj(model.decoder(context, need_pad=False)[:, -1])
    for t in range(t_max):
        active = encoder_lens > t
        logits = model.joiner(enc[:, t], dec, project_input=False)
        best = logits.argmax(dim=-1)
        emitted = (best != blank) & active
        if emitted.any():
            for i in torch.nonzero(emitted).flatten().tolist():
                hyps[i].append(int(best[i]))
            context = torch.tensor([h[-ctx:] for h in hyps], dtype=torch.long, device=encoder_out.device)
            new_dec = model.joiner.decoder_proj(model.decoder(context, need_pad=False)[:, -1])
            dec = torch.where(emitted.unsqueeze(-1), new_dec, dec)
    return [h[ctx:] for h in hyps]
