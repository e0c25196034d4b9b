"""The SURT streaming graph (masker + encoder with caches) run by onnxruntime chunk by chunk equals
PyTorch's causal forward through the joiner's encoder projection."""
import numpy as np
import torch

from icefall_ext.export.onnx_surt import check_streaming_surt, export_streaming_surt, run_surt_encoder
from icefall_ext.models.subsampling import subsampled_lengths
from tests.icefall_ext.models.surt_toy import F, surt_model


def test_onnx_streaming_surt_equals_pytorch(tmp_path):
    model = surt_model(chunk=4)
    paths = export_streaming_surt(model, tmp_path, chunk_frames=16)
    assert all(p.is_file() for p in paths.values())
    x = torch.randn(2, 83, F)  # no whole number of chunks
    with torch.no_grad():
        full, lens, _ = model.forward_encoder(x, torch.tensor([83, 83]), chunk_size=4)
        full = model.asr.joiner.encoder_proj(full)
    onnx_out = run_surt_encoder(paths["encoder"], x.numpy(), 16, [s.numpy() for s in model.init_states(2)])
    n = int(subsampled_lengths(torch.tensor(83)))
    assert onnx_out.shape[0] == 4 and np.abs(onnx_out[:, :n] - full[:, :n].numpy()).max() < 1e-4


def test_the_driver_check_finds_the_same_greedy_tokens_and_a_broken_graph(tmp_path):
    model = surt_model(chunk=4)
    paths = export_streaming_surt(model, tmp_path, chunk_frames=16)
    feats = [torch.randn(83, F), torch.randn(50, F)]
    diff, same = check_streaming_surt(model, paths, feats, 16)
    assert diff < 1e-4 and same
    with torch.no_grad():  # the graph of another model: the check must say so
        model.asr.joiner.output_linear.bias.add_(torch.linspace(-5, 5, model.asr.joiner.output_linear.bias.numel()))
        model.masker.out.bias.add_(1.0)
    diff, same = check_streaming_surt(model, paths, feats, 16)
    assert diff > 1e-3
