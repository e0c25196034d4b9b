"""Encoder activation statistics: padding frames are left out; every layer and its sub-modules
with the encoder's frames get a row, in the order their outputs are computed; an encoder whose output no longer
depends on the frame shows zero variation over time; the command's bad input is one line."""
import subprocess
import sys

import pytest
import torch

from icefall_ext.models.conformer import ConformerConfig, ConformerEncoder
from icefall_ext.models.diagnostics import encoder_activation_stats, frame_stats


def test_frame_stats_leave_out_padding():
    out = torch.zeros(2, 4, 2)
    out[0, :2] = torch.tensor([[1.0, -3.0], [3.0, -1.0]])  # row 0: two valid frames
    out[0, 2:] = 100.0  # padding
    out[1, :] = torch.tensor([[2.0, 2.0]] * 4)  # constant over time
    stats = frame_stats("x", out, torch.tensor([2, 4]))
    assert stats.mean_abs == pytest.approx((2.0 + 2.0) / 2)
    assert stats.time_std == pytest.approx((1.0 + 0.0) / 2)


@pytest.fixture
def encoder():
    torch.manual_seed(0)
    return ConformerEncoder(ConformerConfig(num_features=8, subsampling_channels=4, d_model=16, num_layers=2,
                                            num_heads=2, feedforward_dim=32, cnn_module_kernel=3, dropout=0.0)).eval()


def test_every_layer_gets_a_row_and_a_collapsed_encoder_has_no_variation_over_time(encoder):
    x, x_lens = torch.randn(3, 40, 8), torch.tensor([40, 31, 25])
    rows = encoder_activation_stats(encoder, x, x_lens)
    names = [r.module for r in rows]
    assert names.index("embed") < names.index("layers.0.ff1") and names[-1] == "(output)"
    assert names.index("layers.0.ff1") < names.index("layers.0.attn") < names.index("layers.0") < names.index("layers.1")
    assert {"layers.1.conv", "layers.1.ff2"} <= set(names)
    out, lens = encoder(x, x_lens)
    assert rows[-1] == frame_stats("(output)", out, lens) and rows[-1].time_std > 0.1
    with torch.no_grad():  # the last layer's output no longer depends on the frame
        encoder.layers[1].final_norm.weight.zero_()
        encoder.layers[1].final_norm.bias.fill_(5.0)
    collapsed = {r.module: r for r in encoder_activation_stats(encoder, x, x_lens)}
    assert collapsed["(output)"].time_std == pytest.approx(0.0, abs=1e-6) and collapsed["(output)"].mean_abs == pytest.approx(5.0)
    assert collapsed["layers.0"].time_std > 0.01 and "layers.0.dropout" not in collapsed


def test_the_command_names_a_missing_manifest(tmp_path):
    cuts = tmp_path / "cuts_dev.jsonl.gz"
    proc = subprocess.run([sys.executable, "-m", "icefall_ext.bin.encoder_stats", "--config", "c.yaml", "--exp-dir",
                           str(tmp_path), "--bpe-model", "bpe.model", "--cuts", str(cuts)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stderr.strip().splitlines() == [
        f"encoder_stats.py: error: {cuts}: cut manifest does not exist"]
