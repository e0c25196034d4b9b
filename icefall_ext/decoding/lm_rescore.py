"""LM rescoring of modified beam search's final beam, as sherpa-onnx's OfflineRecognizer does when
given an `lm` (and a `lodr_fst`): icefall's modified_beam_search_lm_rescore and
modified_beam_search_lm_rescore_LODR at one pair of scales (icefall decodes a grid of them at once).

Each hypothesis of the final beam scores
    (log_prob + lodr_scale * lm_scale * log P_bigram(tokens, end) - lm_scale * NLL_LM(tokens, end)) / len(ys),
with ys its context included; the best is kept. Both LMs score the sentence end here, unlike
shallow fusion (lm_fusion.py); sherpa-onnx multiplies the LODR scale by the LM scale "to
replicate icefall", and so do we.
"""
from typing import List, Optional

import torch

from icefall_ext.decoding.beam_search import Hypothesis, modified_beam_search_batch
from icefall_ext.lm.bigram import TokenBigram
from icefall_ext.lm.rnn_lm import RnnLm
from icefall_ext.models.transducer import Transducer


@torch.no_grad()
def sentence_nll(lm: RnnLm, sentences: List[List[int]]) -> List[float]:
    """NLL of each token sequence and its end, after the sentence start."""
    device = next(lm.parameters()).device
    lens = torch.tensor([len(s) for s in sentences], dtype=torch.long, device=device)
    y = torch.full((len(sentences), max(1, int(lens.max()))), -1, dtype=torch.long, device=device)
    for i, s in enumerate(sentences):
        y[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return lm(y, lens).sum(1).tolist()


def rescore(hyps: List[Hypothesis], context_size: int, lm: RnnLm, lm_scale: float,
            bigram: Optional[TokenBigram] = None, lodr_scale: float = 0.0) -> Hypothesis:
    sentences = [list(h.ys[context_size:]) for h in hyps]
    nll = sentence_nll(lm, sentences)
    lodr = [bigram.sentence_log_prob(s) if bigram is not None else 0.0 for s in sentences]
    scores = [(h.log_prob + lodr_scale * lm_scale * b - lm_scale * n) / len(h.ys) for h, n, b in zip(hyps, nll, lodr)]
    return hyps[max(range(len(hyps)), key=scores.__getitem__)]


def modified_beam_search_lm_rescore(
    model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor, beam: int, lm: RnnLm, lm_scale: float,
    bigram: Optional[TokenBigram] = None, lodr_scale: float = 0.0,
) -> List[List[int]]:
    """Best token ids per utterance of a batch (N, T, D) after rescoring each final beam."""
    ctx = model.decoder.context_size
    beams = modified_beam_search_batch(model, encoder_out, encoder_lens, beam)
    return [list(rescore(hyps, ctx, lm, lm_scale, bigram, lodr_scale).ys[ctx:]) for hyps in beams]
