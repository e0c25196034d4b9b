"""A token bigram estimated from text, for LODR (arXiv 2203.16776): a low-order estimate of the
transducer's internal LM whose score shallow fusion subtracts.

Smoothing: interpolated Kneser-Ney with one absolute discount D (0.75 by default),
    P(w | h) = max(c(h, w) - D, 0) / c(h) + D * N1+(h .) / c(h) * P_cont(w),
where P_cont(w), the share of distinct left contexts w follows, is itself discounted and
interpolated with the uniform distribution, so that every id keeps some mass and each row sums to 1;
an unseen context gets P_cont. Contexts and predictions share the LM's ids: id 0 is the sentence
start as a context and the sentence end as a prediction (icefall_ext.lm.rnn_lm.SOS_EOS_ID).

The model is kept in back-off form, as an ARPA file holds it: the explicit bigrams (those seen in
the text: their interpolated probability), the continuation unigram P_cont and one back-off weight
D * N1+(h .) / c(h) per context; an unseen bigram is back-off weight * P_cont, which is exactly its
interpolated probability. The dense (V, V) table derived from it (V = 500 is 1 MB) makes a lookup
one index; the back-off form is what export/lodr_fst.py writes for sherpa-onnx.
"""
import math
from pathlib import Path
from typing import List, Union

import torch

from icefall_ext.lm.rnn_lm import SOS_EOS_ID
from recipe_common.checkpoint import load_checkpoint, save_checkpoint
from recipe_common.errors import InputError


class TokenBigram:
    def __init__(self, explicit_log_probs: torch.Tensor, unigram_log_probs: torch.Tensor, backoff_log_weights: torch.Tensor):
        """explicit_log_probs: (V, V), row = previous token (0: sentence start), column = next (0:
        sentence end), -inf where the bigram is not explicit; unigram_log_probs: (V,) P_cont;
        backoff_log_weights: (V,) per context (-inf: no back-off)."""
        self.explicit_log_probs, self.unigram_log_probs = explicit_log_probs, unigram_log_probs
        self.backoff_log_weights = backoff_log_weights
        backed_off = backoff_log_weights.unsqueeze(1) + unigram_log_probs.unsqueeze(0)
        self.log_probs = torch.where(explicit_log_probs.isfinite(), explicit_log_probs, backed_off)

    @classmethod
    def from_log_probs(cls, log_probs: torch.Tensor) -> "TokenBigram":
        """A bigram with every pair explicit (and no back-off) from a dense (V, V) table."""
        v = log_probs.shape[0]
        return cls(log_probs, torch.full((v,), -math.log(v)), torch.full((v,), -math.inf))

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
        backoff = torch.where(context > 0, discount * seen.sum(1, keepdim=True) / safe, torch.ones_like(context))
        explicit = torch.where(counts > 0, (counts - discount) / safe + backoff * p_cont, torch.zeros_like(counts))
        return cls(explicit.log().float(), p_cont.log().float(), backoff.squeeze(1).log().float())

    def save(self, path: Union[str, Path]) -> None:
        save_checkpoint(path, explicit_log_probs=self.explicit_log_probs, unigram_log_probs=self.unigram_log_probs,
                        backoff_log_weights=self.backoff_log_weights, vocab_size=self.vocab_size)

    @classmethod
    def load(cls, path: Union[str, Path], vocab_size: int) -> "TokenBigram":
        ckpt = load_checkpoint(path)
        if "explicit_log_probs" not in ckpt:
            raise InputError(f"{path}: not a token bigram (written by icefall_ext.bin.train_bigram?)")
        if ckpt["vocab_size"] != vocab_size:
            raise InputError(f"{path}: bigram over {ckpt['vocab_size']} tokens, the model's vocabulary has {vocab_size}")
        return cls(ckpt["explicit_log_probs"], ckpt["unigram_log_probs"], ckpt["backoff_log_weights"])

    def log_prob(self, prev: torch.Tensor, token: torch.Tensor) -> torch.Tensor:
        """log P(token | prev), elementwise over equal-shaped id tensors."""
        return self.log_probs[prev, token]

    def sentence_log_prob(self, tokens: List[int]) -> float:
        """log P(tokens, then the sentence end | the sentence start)."""
        seq = torch.tensor([SOS_EOS_ID] + list(tokens) + [SOS_EOS_ID])
        return float(self.log_probs[seq[:-1], seq[1:]].double().sum())
