import pytest
import torch

from icefall_ext.models.conformer import (
    ConformerConfig,
    ConformerEncoder,
    ConformerLayer,
    TimeSharedDropout,
    chunk_attention_mask,
)
from icefall_ext.models.subsampling import subsampled_lengths


def small_encoder(causal: bool) -> ConformerEncoder:
    torch.manual_seed(0)
    cfg = ConformerConfig(
        num_features=20, subsampling_channels=8, d_model=32, num_layers=2, num_heads=4, feedforward_dim=64,
        dropout=0.0, causal=causal, chunk_sizes=[4], left_context_frames=8,
    )
    return ConformerEncoder(cfg).eval()


def test_four_times_subsampling_lengths():
    enc = small_encoder(causal=False)
    x = torch.randn(2, 103, 20)
    out, lens = enc(x, torch.tensor([103, 61]))
    assert int(subsampled_lengths(torch.tensor(103))) == 25
    assert out.shape[0] == 2 and out.shape[1] >= 25 and out.shape[2] == 32
    assert lens.tolist() == [25, 14]


@pytest.mark.parametrize("frames", [0, 1, 4, 6])
def test_input_shorter_than_the_kernels_gives_no_frames(frames):
    """Audio of 60 ms or less (6 fbank frames) used to stop the second convolution with
    'Kernel size can't be greater than actual input size'; it now has no valid frame, so the
    searches return an empty transcript."""
    enc = small_encoder(causal=False)
    out, lens = enc(torch.randn(1, frames, 20), torch.tensor([frames]))
    assert lens.tolist() == [0] and out.shape[1] >= 1
    out, lens = enc(torch.randn(1, 7, 20), torch.tensor([7]))
    assert lens.tolist() == [1]


def test_padding_does_not_change_valid_outputs():
    enc = small_encoder(causal=False)
    x = torch.randn(1, 80, 20)
    out_a, lens = enc(x, torch.tensor([80]))
    padded = torch.cat([x, torch.randn(1, 40, 20)], dim=1)
    out_b, _ = enc(padded, torch.tensor([80]))
    n = int(lens[0])
    assert torch.allclose(out_a[:, :n], out_b[:, :n], atol=1e-5)


def test_causal_chunked_mode_ignores_the_future():
    """Output frames of a chunk depend on that chunk and the past only (up to the
    subsampling's fixed look-ahead of 6 input frames)."""
    enc = small_encoder(causal=True)
    x = torch.randn(1, 120, 20)
    out, _ = enc(x, torch.tensor([120]))
    changed = x.clone()
    changed[:, 60:] = torch.randn(1, 60, 20)  # from input frame 60 on: output frame 14 on
    out2, _ = enc(changed, torch.tensor([120]))
    first_affected = (60 - 6) // 4  # subsampled frame whose receptive field first reaches frame 60
    chunk_start = first_affected // 4 * 4
    assert torch.allclose(out[:, :chunk_start], out2[:, :chunk_start], atol=1e-5)
    assert not torch.allclose(out[:, chunk_start:], out2[:, chunk_start:], atol=1e-3)


def test_full_context_mode_sees_the_future():
    enc = small_encoder(causal=False)
    x = torch.randn(1, 120, 20)
    out, _ = enc(x, torch.tensor([120]))
    changed = x.clone()
    changed[:, 100:] = 0.0
    out2, _ = enc(changed, torch.tensor([120]))
    assert not torch.allclose(out[:, :4], out2[:, :4], atol=1e-4)


def test_chunk_mask_left_context():
    m = chunk_attention_mask(8, chunk_size=2, left_context=2, device=torch.device("cpu"))
    assert m[5].tolist() == [False, False, True, True, True, True, False, False]
    assert m[0].tolist() == [True, True] + [False] * 6


def test_time_shared_dropout_keeps_one_mask_for_all_frames():
    torch.manual_seed(0)
    drop = TimeSharedDropout(0.5).train()
    y = drop(torch.ones(3, 50, 16))
    assert set(y.unique().tolist()) == {0.0, 2.0}  # dropped, or kept and scaled by 1 / (1 - p)
    assert torch.equal(y, y[:, :1].expand_as(y))  # the same mask in every frame
    assert not torch.equal(y[0], y[1])  # a mask of its own per utterance
    assert torch.equal(drop.eval()(y), y)


def test_layer_uses_the_configured_dropout_kind():
    cfg = ConformerConfig(d_model=32, num_heads=4, feedforward_dim=64, time_shared_dropout=True, attention_dropout=0.0)
    layer = ConformerLayer(cfg)
    assert isinstance(layer.dropout, TimeSharedDropout) and isinstance(layer.ff1[2], TimeSharedDropout)
    assert layer.attn.dropout.p == 0.0
    assert isinstance(ConformerLayer(ConformerConfig()).dropout, torch.nn.Dropout)


@pytest.mark.parametrize("key", ["dropout", "attention_dropout"])
def test_dropout_outside_unit_interval_is_refused(key):
    with pytest.raises(ValueError, match=key):
        ConformerConfig(**{key: 1.0})
