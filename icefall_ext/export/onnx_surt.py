"""Exports a causal SURT model for streaming: surt_encoder.onnx is Surt.streaming_forward (masker and
shared encoder, with their caches) followed by the joiner's encoder projection, and decoder.onnx /
joiner.onnx are the shared single-talker ones (onnx_transducer.export_decoder_joiner). sherpa-onnx
has no SURT model type, so run_surt_encoder is the small driver that feeds the graph chunk by chunk.

  surt_encoder.onnx  x (N, T, F) with T = chunk_frames + LOOKAHEAD_FRAMES, masker_h and masker_c
                     (masker_layers, N, masker_dim), cached_attn (layers, left_context, C * N, d_model),
                     cached_conv (layers, cnn_module_kernel - 1, C * N, d_model), processed_lens (N,) int64
                     -> encoder_out (C * N, chunk_frames / 4, joiner_dim) channel-major, and the new states
"""
from pathlib import Path
from typing import Dict, List, Tuple, Union

import numpy as np
import torch
from torch import nn

from icefall_ext.export.onnx_transducer import export_decoder_joiner, export_module, ort_session
from icefall_ext.models.subsampling import LOOKAHEAD_FRAMES
from icefall_ext.models.surt import Surt

INPUTS = ["x", "masker_h", "masker_c", "cached_attn", "cached_conv", "processed_lens"]
OUTPUTS = ["encoder_out", "new_masker_h", "new_masker_c", "new_cached_attn", "new_cached_conv"]
STREAM_AXIS = {"x": 0, "masker_h": 1, "masker_c": 1, "cached_attn": 2, "cached_conv": 2, "processed_lens": 0,
               "encoder_out": 0, "new_masker_h": 1, "new_masker_c": 1, "new_cached_attn": 2, "new_cached_conv": 2}


class OnnxSurtEncoder(nn.Module):
    def __init__(self, model: Surt):
        super().__init__()
        self.surt = model
        self.encoder_proj = model.asr.joiner.encoder_proj

    def forward(self, x, masker_h, masker_c, cached_attn, cached_conv, processed_lens) -> Tuple[torch.Tensor, ...]:
        encoder_out, _, states = self.surt.streaming_forward(x, [masker_h, masker_c, cached_attn, cached_conv], processed_lens)
        return (self.encoder_proj(encoder_out), *states)


@torch.no_grad()
def export_streaming_surt(model: Surt, out_dir: Union[str, Path], chunk_frames: int) -> Dict[str, Path]:
    """Writes surt_encoder.onnx (chunks of `chunk_frames` feature frames), decoder.onnx and joiner.onnx
    into `out_dir`; returns their paths. ValueError where the model cannot stream in such chunks."""
    model = model.cpu().eval()
    chunk = model.asr.encoder.streaming_chunk_size(chunk_frames)
    out_dir = Path(out_dir)
    paths = {"encoder": out_dir / "surt_encoder.onnx", "decoder": out_dir / "decoder.onnx", "joiner": out_dir / "joiner.onnx"}
    cfg = model.asr.encoder.cfg
    x = torch.zeros(1, chunk_frames + LOOKAHEAD_FRAMES, cfg.num_features)
    args = (x, *model.init_states(1), torch.zeros(1, dtype=torch.int64))
    meta = {"model_type": "surt_conformer", "num_channels": model.num_channels, "T": chunk_frames + LOOKAHEAD_FRAMES,
            "decode_chunk_len": chunk_frames, "chunk_size": chunk, "left_context": cfg.left_context_frames}
    export_module(OnnxSurtEncoder(model), args, paths["encoder"], INPUTS, OUTPUTS,
                  {name: {axis: "N"} for name, axis in STREAM_AXIS.items()}, {k: str(v) for k, v in meta.items()})
    export_decoder_joiner(model.asr, paths)
    return paths


def run_surt_encoder(encoder_path: Path, feats: np.ndarray, chunk_frames: int, init_states: List[np.ndarray]) -> np.ndarray:
    """The driver: feats (N, T, F) fed to surt_encoder.onnx chunk by chunk (the last window padded
    with zeros) from init_states (Surt.init_states(N) as numpy) -> encoder_out (C * N, T', joiner_dim)."""
    sess = ort_session(encoder_path)
    n, t = feats.shape[:2]
    window = chunk_frames + LOOKAHEAD_FRAMES
    num_chunks = -(-t // chunk_frames)
    feats = np.pad(feats, ((0, 0), (0, num_chunks * chunk_frames + LOOKAHEAD_FRAMES - t), (0, 0)))
    states, outs = list(init_states), []
    for k in range(num_chunks):
        x = feats[:, k * chunk_frames : k * chunk_frames + window].astype(np.float32)
        out, *states = sess.run(None, dict(zip(INPUTS, [x, *states, np.full(n, k * chunk_frames, dtype=np.int64)])))
        outs.append(out)
    return np.concatenate(outs, axis=1)
