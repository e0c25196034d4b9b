"""LM fusion for modified beam search, under icefall's method names (pruned_transducer_stateless2/
beam_search.py), each a `Fusion` (beam_search.py) adding per emitted token:

- modified_beam_search_lm_shallow_fusion: lm_scale * log P_LM(token | history);
- modified_beam_search_ILME: that minus ilme_scale * log P_ILM(token | context), the transducer's
  own internal LM (Meng et al., arXiv 2011.01991; Transducer.internal_lm_log_probs), which
  icefall has only inside its k2 fast_beam_search;
- modified_beam_search_LODR: that plus lodr_scale * log P_bigram(token | previous token), the
  bigram standing in for the internal LM (arXiv 2203.16776), lodr_scale negative as icefall's.

Neither the LM's sentence end nor a final LODR term is scored, as in icefall. At scale 0 every
added score is 0, so each method finds exactly the hypotheses of plain modified beam search.
"""
from typing import Any, List, Sequence, Tuple

import torch

from icefall_ext.lm.bigram import TokenBigram
from icefall_ext.lm.rnn_lm import SOS_EOS_ID, RnnLm
from icefall_ext.models.transducer import Transducer

Ys = Tuple[int, ...]


class LmFusion:
    """Shallow fusion with the LSTM LM. A hypothesis's state is (h, c, log-probs of its next token),
    so the score of an emission is a lookup and only emitting hypotheses run the LM, one step each."""

    def __init__(self, lm: RnnLm, scale: float):
        self.lm, self.scale = lm, scale

    @torch.no_grad()
    def initial_state(self) -> Any:
        tokens = torch.tensor([SOS_EOS_ID], device=next(self.lm.parameters()).device)
        log_probs, (h, c) = self.lm.step(tokens, self.lm.initial_state(1))
        return h, c, log_probs[0]

    @torch.no_grad()
    def emit(self, states: List[Any], parents: List[Ys], tokens: List[int]) -> Tuple[List[float], List[Any]]:
        ids = torch.tensor(tokens, device=states[0][0].device)
        scores = torch.stack([s[2] for s in states]).gather(1, ids.unsqueeze(1)).squeeze(1) * self.scale
        h, c = torch.cat([s[0] for s in states], dim=1), torch.cat([s[1] for s in states], dim=1)
        log_probs, (h, c) = self.lm.step(ids, (h, c))
        return scores.tolist(), [(h[:, j : j + 1], c[:, j : j + 1], log_probs[j]) for j in range(len(tokens))]


class InternalLmFusion:
    """scale * the transducer's internal-LM log-prob of the token after the parent's decoder context
    (ILME subtracts it: scale = -ilme_scale). The context is in the ys, so there is no state."""

    def __init__(self, model: Transducer, scale: float):
        self.model, self.scale = model, scale

    def initial_state(self) -> Any:
        return None

    @torch.no_grad()
    def emit(self, states: List[Any], parents: List[Ys], tokens: List[int]) -> Tuple[List[float], List[Any]]:
        model, ctx = self.model, self.model.decoder.context_size
        device = next(model.parameters()).device
        context = torch.tensor([p[-ctx:] for p in parents], dtype=torch.long, device=device)
        dec = model.joiner.decoder_proj(model.decoder(context, need_pad=False)[:, -1])
        ilm = model.internal_lm_from_decoder(dec).gather(1, torch.tensor(tokens, device=device).unsqueeze(1))
        return (ilm.squeeze(1) * self.scale).tolist(), [None] * len(tokens)


class BigramFusion:
    """scale * log P_bigram(token | the parent's last token). A search's ys start with blank, which
    is the bigram's sentence start (SOS_EOS_ID), so the last id of the ys is always the context."""

    def __init__(self, bigram: TokenBigram, scale: float):
        self.bigram, self.scale = bigram, scale

    def initial_state(self) -> Any:
        return None

    def emit(self, states: List[Any], parents: List[Ys], tokens: List[int]) -> Tuple[List[float], List[Any]]:
        prev = torch.tensor([p[-1] for p in parents], dtype=torch.long)
        scores = self.bigram.log_prob(prev, torch.tensor(tokens, dtype=torch.long)) * self.scale
        return scores.tolist(), [None] * len(tokens)


class SumFusion:
    """Several fusions at once: their scores added, their states side by side."""

    def __init__(self, parts: Sequence[Any]):
        self.parts = list(parts)

    def initial_state(self) -> Any:
        return tuple(p.initial_state() for p in self.parts)

    def emit(self, states: List[Any], parents: List[Ys], tokens: List[int]) -> Tuple[List[float], List[Any]]:
        results = [p.emit([s[j] for s in states], parents, tokens) for j, p in enumerate(self.parts)]
        scores = [sum(r[0][n] for r in results) for n in range(len(tokens))]
        return scores, [tuple(r[1][n] for r in results) for n in range(len(tokens))]
