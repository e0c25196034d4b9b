"""Exports the LSTM LM as the `lm` file of sherpa-onnx's OfflineRecognizer (`lm`, `lm_scale`).

The contract (sherpa-onnx offline-lm.cc and offline-rnn-lm.cc; icefall's rnn_lm/export-onnx.py,
"rnnlm without state"):
  lm.onnx  x (N, L) int64 token ids, padded with 0, without sentence start or end;
           x_lens (N,) int64 -> nll (N,) float: the negative log-likelihood of each sentence,
           its end included, read after the sentence start.
sherpa-onnx rescores the final beam of modified beam search with it: each hypothesis gains
-lm_scale * nll before the best (by score / length) is taken (decoding/lm_rescore.py).
"""
from pathlib import Path
from typing import Union

import numpy as np
import torch
from torch import nn

from icefall_ext.export.onnx_transducer import export_module, ort_session
from icefall_ext.lm.rnn_lm import SOS_EOS_ID, RnnLm


class OnnxRnnLm(nn.Module):
    """Sentence NLL of an (N, L) batch padded with 0: positions past x_lens are masked out, the
    end of sentence is scored at position x_lens."""

    def __init__(self, lm: RnnLm):
        super().__init__()
        self.lm = lm

    def forward(self, x: torch.Tensor, x_lens: torch.Tensor) -> torch.Tensor:
        n, length = x.shape
        inputs = torch.cat([torch.full((n, 1), SOS_EOS_ID, dtype=x.dtype), x], dim=1)
        positions = torch.arange(length + 1, dtype=x.dtype).unsqueeze(0)
        targets = torch.cat([x, torch.zeros((n, 1), dtype=x.dtype)], dim=1)
        targets = torch.where(positions == x_lens.unsqueeze(1), torch.full_like(targets, SOS_EOS_ID), targets)
        log_probs = self.lm.output_linear(self.lm.rnn(self.lm.embedding(inputs))[0]).log_softmax(-1)
        token_log_probs = log_probs.gather(2, targets.unsqueeze(2)).squeeze(2)
        return -(token_log_probs * (positions <= x_lens.unsqueeze(1)).to(log_probs.dtype)).sum(1)


@torch.no_grad()
def export_rnn_lm(lm: RnnLm, path: Union[str, Path]) -> Path:
    path = Path(path)
    lm = lm.cpu().eval()
    x = torch.ones(2, 5, dtype=torch.int64)
    x_lens = torch.tensor([5, 3], dtype=torch.int64)
    export_module(
        OnnxRnnLm(lm), (x, x_lens), path, ["x", "x_lens"], ["nll"],
        {"x": {0: "N", 1: "L"}, "x_lens": {0: "N"}, "nll": {0: "N"}},
        {"model_type": "rnnlm", "version": "1", "model_author": "icefall_ext", "comment": "rnnlm without state",
         "sos_id": str(SOS_EOS_ID), "eos_id": str(SOS_EOS_ID), "vocab_size": str(lm.vocab_size)},
    )
    return path


@torch.no_grad()
def check_rnn_lm_export(lm: RnnLm, path: Union[str, Path], seed: int = 0) -> float:
    """Largest absolute difference between onnxruntime's sentence NLLs and the LM's own (RnnLm.forward
    summed) on a random batch of three sentences of different lengths."""
    g = torch.Generator().manual_seed(seed)
    lm = lm.cpu().eval()
    lens = torch.tensor([7, 2, 5], dtype=torch.int64)
    x = torch.randint(1, lm.vocab_size, (3, 7), generator=g) * (torch.arange(7) < lens.unsqueeze(1))
    (nll,) = ort_session(Path(path)).run(None, {"x": x.numpy(), "x_lens": lens.numpy()})
    ref = lm(x.masked_fill(x == 0, -1), lens).sum(1)
    return float(np.abs(nll - ref.numpy()).max())
