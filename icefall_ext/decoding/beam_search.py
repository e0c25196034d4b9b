"""Modified beam search (icefall's `modified_beam_search`): at most one symbol per frame,
hypotheses with the same token sequence merged by adding their probabilities."""
import math
from dataclasses import dataclass
from typing import Dict, List, Tuple

import torch

from icefall_ext.models.transducer import Transducer


@dataclass
class Hypothesis:
    ys: Tuple[int, ...]  # starts with Decoder.initial_context()
    log_prob: float


def _merge(hyps: Dict[Tuple[int, ...], float], ys: Tuple[int, ...], log_prob: float) -> None:
    if ys in hyps:
        a, b = hyps[ys], log_prob
        hyps[ys] = max(a, b) + math.log1p(math.exp(-abs(a - b)))
    else:
        hyps[ys] = log_prob


@torch.no_grad()
def modified_beam_search_one(
    model: Transducer, encoder_out: torch.Tensor, beam: int = 4, length_norm: bool = True
) -> List[Hypothesis]:
    """encoder_out: (T, D) of one utterance -> final hypotheses, best first.

    length_norm ranks by log_prob / len(ys) (the context included), as icefall's
    `get_most_probable(length_norm=True)` and sherpa-onnx's `GetMostProbable(true)` do; a raw
    log-probability favours the shorter hypotheses, i.e. deletions.
    """
    blank, ctx = model.blank_id, model.decoder.context_size
    enc = model.joiner.encoder_proj(encoder_out)
    hyps: Dict[Tuple[int, ...], float] = {tuple(model.decoder.initial_context()): 0.0}
    for t in range(enc.shape[0]):
        keys = list(hyps)
        context = torch.tensor([k[-ctx:] for k in keys], dtype=torch.long, device=enc.device)
        dec = model.joiner.decoder_proj(model.decoder(context, need_pad=False)[:, -1])
        log_probs = model.joiner(enc[t : t + 1].expand(len(keys), -1), dec, project_input=False).log_softmax(-1)
        scores = torch.tensor([hyps[k] for k in keys], device=enc.device).unsqueeze(1) + log_probs
        top_scores, top_idx = scores.flatten().topk(min(beam, scores.numel()))
        vocab = log_probs.shape[1]
        new_hyps: Dict[Tuple[int, ...], float] = {}
        for score, idx in zip(top_scores.tolist(), top_idx.tolist()):
            k, tok = keys[idx // vocab], idx % vocab
            _merge(new_hyps, k if tok == blank else k + (tok,), score)
        hyps = new_hyps
    ranked = sorted(hyps.items(), key=lambda kv: kv[1] / len(kv[0]) if length_norm else kv[1], reverse=True)
    return [Hypothesis(ys=k, log_prob=v) for k, v in ranked]


def modified_beam_search(
    model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor, beam: int = 4
) -> List[List[int]]:
    """Best token ids per utterance of a batch (N, T, D)."""
    ctx = model.decoder.context_size
    results = []
    for i in range(encoder_out.shape[0]):
        best = modified_beam_search_one(model, encoder_out[i, : int(encoder_lens[i])], beam)[0]
        results.append(list(best.ys[ctx:]))
    return results
