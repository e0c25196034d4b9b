"""A token bigram estimated from text, for LODR (arXiv 2203.16776): a low-order estimate of the
transducer's internal LM whose score shallow fusion subtracts.

Smoothing: interpolated Kneser-Ney with one absolute discount D (0.75 by default),
    P(w | h) = max(c(h, w) - D, 0) / c(h) + D * N1+(h .) / c(h) * P_cont(w),
where P_cont(w), the share of distinct left contexts w follows, is itself discounted and
interpolated with the uniform distribution, so that every id keeps some mass and each row sums to 1;
an unseen context gets P_cont. Contexts and predictions share the LM's ids: id 0 is the sentence
start as a context and the sentence end as a prediction (icefall_ext.lm.rnn_lm.SOS_EOS_ID).

icefall reads an ARPA bigram through its NgramLm (with back-off weights); we keep the dense
(V, V) table of log-probabilities instead, which fits the vocabularies of these recipes
(V = 500 is 1 MB) and makes the lookup one index.
"""
from pathlib import Path
from typing import List, Union

import torch

from icefall_ext.lm.rnn_lm import SOS_EOS_ID
from recipe_common.checkpoint import load_checkpoint, save_checkpoint
from recipe_common.errors import InputError


class TokenBigram:
    def __init__(self, log_probs: torch.Tensor):
        """log_probs: (V, V), row = previous token (0: sentence start), column = next (0: sentence end)."""
        self.log_probs = log_probs

    @property
    def vocab_size(self) -> int:
        return self.log_probs.shape[0]

    @classmethod
    def estimate(cls, sentences: List[List[int]], vocab_size: int, discount: float = 0.75) -> "TokenBigram":
        if not 0 < discount < 1:
            raise ValueError(f"discount must be in (0, 1), not {discount}")
        counts = torch.zeros(vocab_size, vocab_size, dtype=torch.float64)
        for ids in sentences:
            seq = torch.tensor([SOS_EOS_ID] + list(ids) + [SOS_EOS_ID])
            counts.index_put_((seq[:-1], seq[1:]), torch.ones(len(seq) - 1, dtype=torch.float64), accumulate=True)
        seen = (counts > 0).double()
        continuation = seen.sum(0)  # N1+(. w)
        types = continuation.sum()  # N1+(. .)
        if types == 0:
            raise ValueError("no sentences to estimate a bigram from")
        uniform = torch.full((vocab_size,), 1.0 / vocab_size, dtype=torch.float64)
        p_cont = ((continuation - discount).clamp(min=0) + discount * (continuation > 0).sum() * uniform) / types
        context = counts.sum(1, keepdim=True)  # c(h)
        safe = context.clamp(min=1)
        p = (counts - discount).clamp(min=0) / safe + discount * seen.sum(1, keepdim=True) / safe * p_cont
        p = torch.where(context > 0, p, p_cont.expand_as(p))
        return cls(p.log().float())

    def save(self, path: Union[str, Path]) -> None:
        save_checkpoint(path, bigram_log_probs=self.log_probs, vocab_size=self.vocab_size)

    @classmethod
    def load(cls, path: Union[str, Path], vocab_size: int) -> "TokenBigram":
        ckpt = load_checkpoint(path)
        if "bigram_log_probs" not in ckpt:
            raise InputError(f"{path}: not a token bigram (written by icefall_ext.bin.train_bigram?)")
        if ckpt["vocab_size"] != vocab_size:
            raise InputError(f"{path}: bigram over {ckpt['vocab_size']} tokens, the model's vocabulary has {vocab_size}")
        return cls(ckpt["bigram_log_probs"])

    def log_prob(self, prev: torch.Tensor, token: torch.Tensor) -> torch.Tensor:
        """log P(token | prev), elementwise over equal-shaped id tensors."""
        return self.log_probs[prev, token]
