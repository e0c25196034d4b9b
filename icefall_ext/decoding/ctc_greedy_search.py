"""Greedy decoding of the transducer's auxiliary CTC head (icefall's ctc_greedy_search): the best
token per encoder frame, repeats merged, blanks dropped, as sherpa-onnx's OfflineCtcGreedySearchDecoder
does. On small corpora the CTC head, which has no label context, can generalise better than the
transducer's own search; RESULTS.md shows both from the same encoder."""
from typing import List

import torch

from icefall_ext.models.transducer import Transducer
from recipe_common.errors import InputError


@torch.no_grad()
def ctc_greedy_search(model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor) -> List[List[int]]:
    """encoder_out: (N, T, D) from model.forward_encoder -> token ids per utterance."""
    if model.ctc_output is None:
        raise InputError("ctc_greedy_search needs a model with a CTC head (trained with model.ctc_loss_scale > 0)")
    best = model.ctc_output(encoder_out).argmax(dim=-1)
    hyps = []
    for row, n in zip(best.tolist(), encoder_lens.tolist()):
        tokens, prev = [], model.blank_id
        for token in row[:n]:
            if token != prev and token != model.blank_id:
                tokens.append(token)
            prev = token
        hyps.append(tokens)
    return hyps
