"""One name per decoding method, as decode.py's --decoding-method takes them."""
from typing import List

import torch

from icefall_ext.decoding.beam_search import modified_beam_search
from icefall_ext.decoding.greedy_search import greedy_search_batch
from icefall_ext.models.transducer import Transducer
from icefall_ext.utils.errors import InputError

METHODS = ("greedy_search", "modified_beam_search")


@torch.no_grad()
def decode_features(
    model: Transducer, feats: torch.Tensor, feat_lens: torch.Tensor, method: str, beam: int = 4
) -> List[List[int]]:
    """Token ids per utterance of a padded batch of features (N, T, F)."""
    if method not in METHODS:
        raise InputError(f"unknown decoding method '{method}' (known: {', '.join(METHODS)})")
    encoder_out, encoder_lens = model.encoder(feats, feat_lens)
    if method == "greedy_search":
        return greedy_search_batch(model, encoder_out, encoder_lens)
    return modified_beam_search(model, encoder_out, encoder_lens, beam=beam)
