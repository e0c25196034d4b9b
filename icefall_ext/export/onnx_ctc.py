"""Exports the encoder with its CTC head as the one ONNX file of sherpa-onnx's CTC recogniser
(`OfflineRecognizer.from_zipformer_ctc`).

The contract (sherpa-onnx offline-zipformer-ctc-model.cc, offline-recognizer-ctc-impl.h):
  ctc.onnx  x (N, T, 80) float, x_lens (N,) int64 -> log_probs (N, T', V) float, whose V is a
            fixed dimension (the vocabulary size is read from it), log_probs_len (N,) int64;
blank is the id of `<blk>` in tokens.txt (0 here); decoding is greedy, repeats merged.
"""
from pathlib import Path
from typing import Tuple, Union

import numpy as np
import torch
from torch import nn

from icefall_ext.export.onnx_transducer import export_module, ort_session
from icefall_ext.models.transducer import Transducer


class OnnxCtc(nn.Module):
    def __init__(self, model: Transducer):
        super().__init__()
        self.encoder, self.ctc_output = model.encoder, model.ctc_output

    def forward(self, x: torch.Tensor, x_lens: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        encoder_out, encoder_out_lens = self.encoder(x, x_lens)
        return self.ctc_output(encoder_out).log_softmax(-1), encoder_out_lens


@torch.no_grad()
def export_ctc(model: Transducer, path: Union[str, Path], num_features: int = 80) -> Path:
    if model.ctc_output is None:
        raise ValueError("the model has no CTC head (model.ctc_loss_scale is 0)")
    path = Path(path)
    model = model.cpu().eval()
    x, x_lens = torch.zeros(1, 100, num_features), torch.tensor([100], dtype=torch.int64)
    export_module(
        OnnxCtc(model), (x, x_lens), path, ["x", "x_lens"], ["log_probs", "log_probs_len"],
        {"x": {0: "N", 1: "T"}, "x_lens": {0: "N"}, "log_probs": {0: "N", 1: "T"}, "log_probs_len": {0: "N"}},
        {"model_type": "conformer_ctc", "version": "1", "model_author": "icefall_ext", "vocab_size": str(model.vocab_size)},
    )
    return path


@torch.no_grad()
def check_ctc_export(model: Transducer, path: Union[str, Path], num_features: int = 80, seed: int = 0) -> float:
    """Largest absolute difference of the valid log-probabilities between PyTorch and onnxruntime."""
    g = torch.Generator().manual_seed(seed)
    model = model.cpu().eval()
    x, x_lens = torch.randn(2, 173, num_features, generator=g), torch.tensor([173, 120], dtype=torch.int64)
    ref, ref_lens = OnnxCtc(model)(x, x_lens)
    log_probs, lens = ort_session(Path(path)).run(None, {"x": x.numpy(), "x_lens": x_lens.numpy()})
    if not np.array_equal(lens, ref_lens.numpy()):
        return float("inf")
    return max(float(np.abs(log_probs[i, : lens[i]] - ref[i, : lens[i]].numpy()).max()) for i in range(2))
