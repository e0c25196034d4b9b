"""A token-level LSTM LM in the shape of icefall's RnnLmModel (icefall/rnn_lm/model.py): an
embedding of the BPE vocabulary, LSTM layers, an output linear back onto it (optionally tied to
the embedding), trained on sentence-start + tokens -> tokens + sentence-end.

Sentence start and end: icefall's BPE models hold `<sos/eos>` at id 1 and the LM reads it before
a sentence and predicts it after. Ours hold <unk> at id 1 and no such piece (tokens/bpe.py), so the
LM uses blank (id 0), which no text contains, for both. The LM's output over id 0 is thus the
probability that the sentence ends; shallow fusion, as icefall's, never scores it.
"""
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Tuple, Union

import torch
from torch import nn

from recipe_common.checkpoint import load_checkpoint
from recipe_common.errors import InputError

SOS_EOS_ID = 0  # blank: never in text

LstmState = Tuple[torch.Tensor, torch.Tensor]  # (h, c), each (num_layers, N, hidden_dim)


@dataclass
class RnnLmConfig:
    embedding_dim: int = 256
    hidden_dim: int = 256
    num_layers: int = 2
    tie_weights: bool = False  # share the embedding with the output linear (needs equal dims), as icefall's

    def __post_init__(self):
        for name in ("embedding_dim", "hidden_dim", "num_layers"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        if self.tie_weights and self.embedding_dim != self.hidden_dim:
            raise ValueError(f"tie_weights needs embedding_dim == hidden_dim, not {self.embedding_dim} and {self.hidden_dim}")


class RnnLm(nn.Module):
    def __init__(self, cfg: RnnLmConfig, vocab_size: int):
        super().__init__()
        self.cfg, self.vocab_size = cfg, vocab_size
        self.embedding = nn.Embedding(vocab_size, cfg.embedding_dim)
        self.rnn = nn.LSTM(cfg.embedding_dim, cfg.hidden_dim, cfg.num_layers, batch_first=True)
        self.output_linear = nn.Linear(cfg.hidden_dim, vocab_size)
        if cfg.tie_weights:
            self.output_linear.weight = self.embedding.weight

    def forward(self, y: torch.Tensor, y_lens: torch.Tensor) -> torch.Tensor:
        """y: (N, U) token ids padded with -1 -> (N, U+1) negative log-likelihoods of y_0..y_{U-1}
        and the sentence end, each after the sentence start and the tokens before it; 0 on padding."""
        x = nn.functional.pad(y.clamp(min=0), (1, 0), value=SOS_EOS_ID)
        targets = nn.functional.pad(y, (0, 1), value=-1).scatter(1, y_lens.unsqueeze(1), SOS_EOS_ID)
        logits = self.output_linear(self.rnn(self.embedding(x))[0])
        return nn.functional.cross_entropy(logits.transpose(1, 2), targets, ignore_index=-1, reduction="none")

    def initial_state(self, n: int) -> LstmState:
        """The state before the sentence start is read (zeros, as icefall's score_token)."""
        p = next(self.parameters())
        h = p.new_zeros(self.cfg.num_layers, n, self.cfg.hidden_dim)
        return h, h.clone()

    def step(self, tokens: torch.Tensor, state: LstmState) -> Tuple[torch.Tensor, LstmState]:
        """Reads one token per row, tokens: (N,) -> (log-probabilities of the next token (N, V), new state)."""
        out, state = self.rnn(self.embedding(tokens).unsqueeze(1), state)
        return self.output_linear(out[:, 0]).log_softmax(-1), state


class RnnLmLoss:
    """The trainer's loss function (model, text batch) -> (summed NLL, predicted tokens, sentence
    ends included); per token, its exp is the perplexity."""

    def __init__(self, device: torch.device):
        self.device = device

    def __call__(self, model: nn.Module, batch: Dict) -> Tuple[torch.Tensor, torch.Tensor]:
        y, y_lens = batch["inputs"].to(self.device), batch["input_lens"].to(self.device)
        return model(y, y_lens).sum(), (y_lens + 1).sum()


def perplexity(loss_per_token: float) -> float:
    return math.exp(loss_per_token)


def load_rnn_lm(path: Union[str, Path], vocab_size: int) -> RnnLm:
    """An LM saved by bin/train_lm.py (its epoch-N.pt), in eval mode; another vocabulary than the
    transducer's is one line."""
    ckpt = load_checkpoint(path)
    if "lm" not in (ckpt.get("config") or {}):
        raise InputError(f"{path}: not an LM checkpoint (no 'lm' config; written by icefall_ext.bin.train_lm?)")
    if ckpt.get("vocab_size") != vocab_size:
        raise InputError(f"{path}: LM over {ckpt.get('vocab_size')} tokens, the model's vocabulary has {vocab_size}")
    lm = RnnLm(RnnLmConfig(**ckpt["config"]["lm"]), vocab_size)
    lm.load_state_dict(ckpt["model"])
    return lm.eval()
