"""Each pruning scheme's mask: the requested sparsity and the structure the scheme promises."""
import pytest
import torch

from recipe_common.errors import InputError
from vision_egs.pruning.schemes import PATTERNS, mask_sparsity, parse_scheme, scheme_mask


@pytest.fixture
def conv_weight():
    return torch.randn(32, 16, 3, 3, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("rate", [0.5, 0.75])
def test_unstructured_removes_the_smallest_weights(conv_weight, rate):
    mask = scheme_mask(conv_weight, parse_scheme("unstructured"), rate)
    assert mask_sparsity(mask) == pytest.approx(rate, abs=1 / conv_weight.numel())
    assert conv_weight[mask == 0].abs().max() <= conv_weight[mask == 1].abs().min()


def test_filter_removes_whole_rows_of_smallest_norm(conv_weight):
    mask = scheme_mask(conv_weight, parse_scheme("filter"), 0.75)
    rows = mask.reshape(32, -1)
    assert set(rows.sum(dim=1).tolist()) == {0.0, 144.0} and int((rows.sum(dim=1) == 0).sum()) == 24
    norms = conv_weight.reshape(32, -1).norm(dim=1)
    assert norms[rows[:, 0] == 0].max() <= norms[rows[:, 0] == 1].min()


def test_channel_removes_whole_input_channels(conv_weight):
    mask = scheme_mask(conv_weight, parse_scheme("channel"), 0.5)
    per_channel = mask.sum(dim=(0, 2, 3))
    assert set(per_channel.tolist()) == {0.0, 32 * 9.0} and int((per_channel == 0).sum()) == 8


def test_pattern_keeps_a_library_pattern_or_nothing_per_kernel(conv_weight):
    mask = scheme_mask(conv_weight, parse_scheme("pattern"), 0.75)
    assert mask_sparsity(mask) == pytest.approx(0.75, abs=0.01)
    library = {tuple(p.flatten().tolist()) for p in PATTERNS}
    kernels = [tuple(k.flatten().tolist()) for k in mask.reshape(-1, 3, 3)]
    assert all(k in library or sum(k) == 0 for k in kernels)
    assert sum(sum(k) == 0 for k in kernels) > 0  # connectivity pruning removed whole kernels
    assert len(PATTERNS) == 28 and all(p[1, 1] == 1 and p.sum() == 4 for p in PATTERNS)


@pytest.mark.parametrize("rows, cols", [(8, 144), (4, 72), (32, 36)])
def test_block_removes_the_same_share_of_columns_in_every_block(conv_weight, rows, cols):
    mask = scheme_mask(conv_weight, parse_scheme(f"block:{rows}x{cols}"), 0.75)
    assert mask_sparsity(mask) == pytest.approx(0.75)
    units = mask.reshape(32, 16, 9)
    assert set(units.sum(dim=2).unique().tolist()) <= {0.0, 9.0}  # a column of a 3x3 conv: 9 GEMM columns
    slabs = units[:, :, 0].reshape(32 // rows, rows, 16 // (cols // 9), cols // 9)
    assert (slabs.amin(dim=1) == slabs.amax(dim=1)).all()  # whole R-long columns inside a block
    kept = slabs[:, 0].sum(dim=-1)
    assert (kept == (cols // 9) // 4).all()  # each block keeps a quarter of its columns


def test_block_on_a_linear_layer_prunes_single_columns():
    w = torch.randn(16, 64)
    mask = scheme_mask(w, parse_scheme("block:4x16"), 0.5)
    blocks = mask.reshape(4, 4, 4, 16)
    assert (blocks.amin(dim=1) == blocks.amax(dim=1)).all() and (blocks[:, 0].sum(dim=-1) == 8).all()


@pytest.mark.parametrize("text, message", [
    ("blocky", "unknown pruning scheme 'blocky'"),
    ("block:0x8", "unknown pruning scheme 'block:0x8'"),
    ("block:5x144", "block 5x144 does not divide its 32x144 GEMM matrix"),
    ("block:64x144", "block 64x144 is larger than its 32x144 GEMM matrix"),
    ("block:8x288", "block 8x288 is larger than its 32x144 GEMM matrix"),
    ("block:8x7", "does not divide"),
    ("block:8x48", "block columns 48 are not a multiple of its kernel size 9"),
])
def test_bad_schemes_are_one_line_errors(conv_weight, text, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        scheme_mask(conv_weight, parse_scheme(text), 0.5, "conv")


def test_pattern_needs_3x3_and_rates_stay_below_one():
    with pytest.raises(InputError, match="needs 3x3 kernels"):
        scheme_mask(torch.randn(8, 8, 1, 1), parse_scheme("pattern"), 0.7, "conv")
    with pytest.raises(InputError, match="outside"):
        scheme_mask(torch.randn(8, 8), parse_scheme("filter"), 1.0, "fc")
