"""Exports a transducer as the three ONNX files sherpa-onnx's OfflineRecognizer loads.

The contract (sherpa-onnx offline-transducer-model.cc, icefall's export-onnx.py):
  encoder.onnx  x (N, T, 80) float, x_lens (N,) int64 -> encoder_out (N, T', joiner_dim)
                (already through joiner.encoder_proj), encoder_out_lens (N,) int64
  decoder.onnx  y (N, context_size) int64 -> decoder_out (N, joiner_dim) (through decoder_proj);
                metadata vocab_size and context_size are mandatory
  joiner.onnx   encoder_out (N, joiner_dim), decoder_out (N, joiner_dim) -> logit (N, vocab_size)
Inputs are bound by position; blank is id 0.
"""
from pathlib import Path
from typing import Dict, Tuple, Union

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from icefall_ext.models.transducer import Transducer
from recipe_common.io import atomic_path

OPSET = 13


class OnnxEncoder(nn.Module):
    def __init__(self, model: Transducer):
        super().__init__()
        self.encoder = model.encoder
        self.encoder_proj = model.joiner.encoder_proj

    def forward(self, x: torch.Tensor, x_lens: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        encoder_out, encoder_out_lens = self.encoder(x, x_lens)
        return self.encoder_proj(encoder_out), encoder_out_lens


class OnnxDecoder(nn.Module):
    def __init__(self, model: Transducer):
        super().__init__()
        self.decoder = model.decoder
        self.decoder_proj = model.joiner.decoder_proj

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return self.decoder_proj(self.decoder(y, need_pad=False)[:, -1])


class OnnxJoiner(nn.Module):
    def __init__(self, model: Transducer):
        super().__init__()
        self.output_linear = model.joiner.output_linear

    def forward(self, encoder_out: torch.Tensor, decoder_out: torch.Tensor) -> torch.Tensor:
        return self.output_linear(torch.tanh(encoder_out + decoder_out))


def add_meta_data(path: Path, meta: Dict[str, str]) -> None:
    model = onnx.load(str(path))
    for key, value in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.save(model, str(path))


def export_module(module: nn.Module, args: Tuple, path: Path, inputs, outputs, dynamic_axes, meta: Dict[str, str]) -> None:
    with atomic_path(path) as tmp:
        torch.onnx.export(
            module,
            args,
            str(tmp),
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=dynamic_axes,
            opset_version=OPSET,
            dynamo=False,
        )
        add_meta_data(tmp, meta)


@torch.no_grad()
def export_transducer(model: Transducer, out_dir: Union[str, Path], num_features: int = 80) -> Dict[str, Path]:
    """Writes encoder.onnx, decoder.onnx and joiner.onnx into `out_dir`; returns their paths."""
    out_dir = Path(out_dir)
    model = model.cpu().eval()
    paths = {name: out_dir / f"{name}.onnx" for name in ("encoder", "decoder", "joiner")}
    x = torch.zeros(1, 100, num_features)
    x_lens = torch.tensor([100], dtype=torch.int64)
    export_module(
        OnnxEncoder(model), (x, x_lens), paths["encoder"], ["x", "x_lens"], ["encoder_out", "encoder_out_lens"],
        {"x": {0: "N", 1: "T"}, "x_lens": {0: "N"}, "encoder_out": {0: "N", 1: "T"}, "encoder_out_lens": {0: "N"}},
        {"model_type": "conformer", "version": "1", "model_author": "icefall_ext", "comment": "non-streaming conformer transducer"},
    )
    export_decoder_joiner(model, paths)
    return paths


def export_decoder_joiner(model: Transducer, paths: Dict[str, Path]) -> None:
    """decoder.onnx and joiner.onnx at paths["decoder"], paths["joiner"]: the same for the offline
    and the online recogniser."""
    joiner_dim = model.joiner.output_linear.in_features
    ctx = model.decoder.context_size
    y = torch.zeros(1, ctx, dtype=torch.int64)
    export_module(
        OnnxDecoder(model), (y,), paths["decoder"], ["y"], ["decoder_out"],
        {"y": {0: "N"}, "decoder_out": {0: "N"}},
        {"context_size": str(ctx), "vocab_size": str(model.vocab_size)},
    )
    enc, dec = torch.zeros(1, joiner_dim), torch.zeros(1, joiner_dim)
    export_module(
        OnnxJoiner(model), (enc, dec), paths["joiner"], ["encoder_out", "decoder_out"], ["logit"],
        {"encoder_out": {0: "N"}, "decoder_out": {0: "N"}, "logit": {0: "N"}},
        {"joiner_dim": str(joiner_dim)},
    )


def ort_session(path: Path) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


@torch.no_grad()
def check_export(model: Transducer, paths: Dict[str, Path], num_features: int = 80, seed: int = 0) -> float:
    """Largest absolute difference between PyTorch and onnxruntime outputs on random input
    (a batch of two utterances of different lengths)."""
    g = torch.Generator().manual_seed(seed)
    model = model.cpu().eval()
    x = torch.randn(2, 173, num_features, generator=g)
    x_lens = torch.tensor([173, 120], dtype=torch.int64)
    sess = {k: ort_session(p) for k, p in paths.items()}
    enc_ref, lens_ref = OnnxEncoder(model)(x, x_lens)
    enc, lens = sess["encoder"].run(None, {"x": x.numpy(), "x_lens": x_lens.numpy()})
    if not np.array_equal(lens, lens_ref.numpy()):
        return float("inf")
    diffs = [float(np.abs(enc[i, : lens[i]] - enc_ref[i, : lens[i]].numpy()).max()) for i in range(2)]
    y = torch.randint(0, model.vocab_size, (4, model.decoder.context_size), generator=g)
    dec_ref = OnnxDecoder(model)(y)
    (dec,) = sess["decoder"].run(None, {"y": y.numpy()})
    diffs.append(float(np.abs(dec - dec_ref.numpy()).max()))
    e, d = enc_ref[0, :4], dec_ref
    (logit,) = sess["joiner"].run(None, {"encoder_out": e.numpy(), "decoder_out": d.numpy()})
    diffs.append(float(np.abs(logit - OnnxJoiner(model)(e, d).numpy()).max()))
    return max(diffs)
