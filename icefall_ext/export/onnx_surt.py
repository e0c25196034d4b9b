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
import onnxruntime as ort
import torch
from torch import nn

from icefall_ext.decoding.greedy_search import extend_greedy
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
    states, outs = list(init_states), []
    for k, x in enumerate(stream_windows(feats, chunk_frames)):
        out, *states = sess.run(None, dict(zip(INPUTS, [x, *states, np.full(feats.shape[0], k * chunk_frames, dtype=np.int64)])))
        outs.append(out)
    return np.concatenate(outs, axis=1)


def onnx_greedy_search(decoder: ort.InferenceSession, joiner: ort.InferenceSession, encoder_out: np.ndarray,
                       num_frames: int, initial_context: List[int], blank_id: int) -> List[int]:
    """Greedy search (one symbol a frame, decoding/greedy_search.py's) over one channel's projected
    encoder_out (T, joiner_dim) from run_surt_encoder, with decoder.onnx and joiner.onnx, from the
    decoder's initial context (Decoder.initial_context(): icefall's [-1] * (context_size - 1) + [blank])."""
    context_size = len(initial_context)
    hyp = list(initial_context)
    (dec,) = decoder.run(None, {"y": np.array([hyp[-context_size:]], dtype=np.int64)})
    for t in range(num_frames):
        (logit,) = joiner.run(None, {"encoder_out": encoder_out[t : t + 1].astype(np.float32), "decoder_out": dec})
        best = int(logit[0].argmax())
        if best != blank_id:
            hyp.append(best)
            (dec,) = decoder.run(None, {"y": np.array([hyp[-context_size:]], dtype=np.int64)})
    return hyp[context_size:]


def stream_windows(feats: np.ndarray, chunk_frames: int) -> List[np.ndarray]:
    """feats (N, T, F) -> the windows a stream feeds, chunk by chunk: chunk_frames plus the look-ahead,
    the last ones padded with zeros (what run_surt_encoder, like sherpa-onnx, feeds)."""
    n, t = feats.shape[:2]
    num_chunks = -(-t // chunk_frames)
    feats = np.pad(feats, ((0, 0), (0, num_chunks * chunk_frames + LOOKAHEAD_FRAMES - t), (0, 0)))
    return [feats[:, k * chunk_frames : k * chunk_frames + chunk_frames + LOOKAHEAD_FRAMES].astype(np.float32)
            for k in range(num_chunks)]


@torch.no_grad()
def check_streaming_surt(model: Surt, paths: Dict[str, Path], feats: List[torch.Tensor], chunk_frames: int
                         ) -> Tuple[float, bool]:
    """(largest |ONNX - PyTorch| of the projected encoder output, whether the ONNX greedy tokens equal
    PyTorch's on every channel) for each (T, F) of feats, both fed the same windows chunk by chunk
    (stream_windows): the driver against Surt.streaming_forward, greedy search against extend_greedy."""
    model = model.cpu().eval()
    sess = {k: ort_session(paths[k]) for k in ("decoder", "joiner")}
    max_diff, same = 0.0, True
    for x in feats:
        windows = stream_windows(x.unsqueeze(0).numpy(), chunk_frames)
        states, chunks = model.init_states(1), []
        for k, w in enumerate(windows):
            out, _, states = model.streaming_forward(torch.from_numpy(w), states, torch.tensor([k * chunk_frames]))
            chunks.append(out)
        ref = torch.cat(chunks, dim=1)
        onnx_out = run_surt_encoder(paths["encoder"], x.unsqueeze(0).numpy(), chunk_frames,
                                    [s.numpy() for s in model.init_states(1)])
        max_diff = max(max_diff, float(np.abs(onnx_out - model.asr.joiner.encoder_proj(ref).numpy()).max()))
        hyps = [model.asr.decoder.initial_context() for _ in range(model.num_channels)]
        extend_greedy(model.asr, ref, torch.full((model.num_channels,), ref.shape[1]), hyps)
        for c in range(model.num_channels):
            tokens = onnx_greedy_search(sess["decoder"], sess["joiner"], onnx_out[c], onnx_out.shape[1],
                                        model.asr.decoder.initial_context(), model.asr.blank_id)
            same = same and tokens == hyps[c][model.asr.decoder.context_size :]
    return max_diff, same
