"""Exports a causal transducer as the three ONNX files sherpa-onnx's OnlineRecognizer loads, with
the `conformer` contract (sherpa-onnx online-conformer-transducer-model.cc, icefall's
pruned_transducer_stateless5/export-onnx-streaming.py):
  encoder.onnx  x (N, T, 80), cached_attn (layers, left_context, N, encoder_dim),
                cached_conv (layers, cnn_module_kernel - 1, N, encoder_dim), processed_lens (N,) int64
                -> encoder_out (N, decode_chunk_len / 4, joiner_dim) (through encoder_proj),
                new_cached_attn, new_cached_conv
  decoder.onnx, joiner.onnx  as for the offline recogniser (onnx_transducer.export_decoder_joiner)
sherpa-onnx binds inputs by position, feeds T = decode_chunk_len + pad_length feature frames per
call, advances by decode_chunk_len, stacks streams' states on dim 2, and passes in processed_lens
the feature frames consumed so far; metadata gives T, decode_chunk_len and the state shapes.

Why `conformer` rather than zipformer2 or lstm: its two states are exactly this encoder's caches
(ConformerEncoder.init_states), so the graph is streaming_forward itself, with no state reshaping.
"""
from pathlib import Path
from typing import Dict, List, Tuple, Union

import numpy as np
import torch
from torch import nn

from icefall_ext.export.onnx_transducer import export_decoder_joiner, export_module, ort_session
from icefall_ext.models.subsampling import LOOKAHEAD_FRAMES
from icefall_ext.models.transducer import Transducer

INPUTS = ["x", "cached_attn", "cached_conv", "processed_lens"]
OUTPUTS = ["encoder_out", "new_cached_attn", "new_cached_conv"]


class OnnxStreamingEncoder(nn.Module):
    def __init__(self, model: Transducer):
        super().__init__()
        self.encoder = model.encoder
        self.encoder_proj = model.joiner.encoder_proj

    def forward(
        self, x: torch.Tensor, cached_attn: torch.Tensor, cached_conv: torch.Tensor, processed_lens: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        encoder_out, _, (attn, conv) = self.encoder.streaming_forward(x, [cached_attn, cached_conv], processed_lens)
        return self.encoder_proj(encoder_out), attn, conv


def streaming_meta_data(model: Transducer, chunk_frames: int) -> Dict[str, str]:
    """The encoder metadata sherpa-onnx reads (all of icefall's keys; ValueError where the model cannot stream)."""
    cfg = model.encoder.cfg
    meta = {
        "model_type": "conformer", "version": "1", "model_author": "icefall_ext",
        "comment": "streaming causal conformer transducer",
        "T": chunk_frames + LOOKAHEAD_FRAMES, "decode_chunk_len": chunk_frames, "pad_length": LOOKAHEAD_FRAMES,
        "chunk_size": model.encoder.streaming_chunk_size(chunk_frames), "left_context": cfg.left_context_frames,
        "right_context": 0, "encoder_dim": cfg.d_model, "num_encoder_layers": cfg.num_layers,
        "cnn_module_kernel": cfg.cnn_module_kernel,
    }
    return {k: str(v) for k, v in meta.items()}


@torch.no_grad()
def export_streaming_transducer(model: Transducer, out_dir: Union[str, Path], chunk_frames: int) -> Dict[str, Path]:
    """Writes encoder.onnx (chunks of `chunk_frames` feature frames), decoder.onnx and joiner.onnx into
    `out_dir`; returns their paths."""
    out_dir = Path(out_dir)
    model = model.cpu().eval()
    meta = streaming_meta_data(model, chunk_frames)
    paths = {name: out_dir / f"{name}.onnx" for name in ("encoder", "decoder", "joiner")}
    x = torch.zeros(1, int(meta["T"]), model.encoder.cfg.num_features)
    args = (x, *model.encoder.init_states(1), torch.zeros(1, dtype=torch.int64))
    batch_axis = {"x": 0, "cached_attn": 2, "cached_conv": 2, "processed_lens": 0,
                  "encoder_out": 0, "new_cached_attn": 2, "new_cached_conv": 2}
    export_module(OnnxStreamingEncoder(model), args, paths["encoder"], INPUTS, OUTPUTS,
            {name: {axis: "N"} for name, axis in batch_axis.items()}, meta)
    export_decoder_joiner(model, paths)
    return paths


@torch.no_grad()
def check_streaming_export(model: Transducer, encoder_path: Path, chunk_frames: int, num_chunks: int = 5,
                           seed: int = 0) -> float:
    """Largest absolute difference between the PyTorch streaming encoder and onnxruntime over
    `num_chunks` chunks of two random streams, outputs and states both, each fed its own states."""
    g = torch.Generator().manual_seed(seed)
    model = model.cpu().eval()
    encoder = OnnxStreamingEncoder(model)
    sess = ort_session(encoder_path)
    t = chunk_frames + LOOKAHEAD_FRAMES
    feats = torch.randn(2, num_chunks * chunk_frames + LOOKAHEAD_FRAMES, model.encoder.cfg.num_features, generator=g)
    states: List[torch.Tensor] = model.encoder.init_states(2)
    ort_states = [s.numpy() for s in states]
    diff = 0.0
    for k in range(num_chunks):
        x, processed = feats[:, k * chunk_frames : k * chunk_frames + t], torch.full((2,), k * chunk_frames)
        out, *states = encoder(x, *states, processed)
        ort_out, *ort_states = sess.run(None, dict(zip(INPUTS, [x.numpy(), *ort_states, processed.numpy()])))
        for a, b in zip([out, *states], [ort_out, *ort_states]):
            diff = max(diff, float(np.abs(a.numpy() - b).max()))
    return diff
