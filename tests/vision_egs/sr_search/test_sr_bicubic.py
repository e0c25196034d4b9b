"""MATLAB-compatible bicubic resizing: Keys' kernel, the per-axis weights worked out by hand from
MATLAB's `contributions` (antialiased downscaling and plain upscaling, mirrored borders), the
invariants any resampler must keep, and the published bicubic Set5 scores end to end."""
import numpy as np
import pytest
import torch

from vision_egs.sr_search.bicubic import (cubic, downscale_uint8, imresize, output_length, resize_matrix, to_uint8,
                                          upscale_uint8)
from vision_egs.sr_search.data import EMBEDDED, image_tensor, load_pairs
from vision_egs.sr_search.metrics import psnr_y, ssim_y


def test_keys_cubic_kernel_at_hand_values_and_partition_of_unity():
    x = np.array([0, 0.5, 1, 1.5, 2, 2.5, -0.5, -1.5])
    assert cubic(x).tolist() == [1, 0.5625, 0, -0.0625, 0, 0, 0.5625, -0.0625]
    shifts = np.arange(-3, 4)[:, None] + np.linspace(0, 1, 11)[None, :]
    assert np.allclose(cubic(shifts).sum(0), 1)


def test_downscaling_by_two_weights_by_hand():
    """n = 4 -> 2, scale 1/2: width 8, h(t) = cubic(t / 2) / 2. Output 1 sits at u = 1 / 0.5 - 0.5 = 1.5
    and reads indices -2..5 (floor(1.5 - 4) = -3 carries a zero weight): distances 3.5, 2.5, ..., -3.5,
    h values (without the common 1/2) -0.0234375, -0.0703125, 0.2265625, 0.8671875 and mirrored, sum 2;
    normalised x128: -1.5, -4.5, 14.5, 55.5, 55.5, 14.5, -4.5, -1.5. Indices -2, -1, 0 mirror to 3, 2, 1 and
    5 to 4: pixel 1 gets 14.5 + 55.5 = 70, pixel 2 -4.5 + 55.5 = 51, pixel 3 -1.5 + 14.5 = 13, pixel 4
    -4.5 - 1.5 = -6; output 2 is its mirror image."""
    assert (resize_matrix(4, 0.5) * 128).tolist() == [[70, 51, 13, -6], [-6, 13, 51, 70]]


def test_upscaling_by_two_weights_by_hand():
    """n = 2 -> 4, scale 2: no stretching. Output 1 sits at u = 0.5 + 0.25 = 0.75, reads -2..3 at distances
    2.75, 1.75, 0.75, -0.25, -1.25, -2.25: weights 0, -0.0234375, 0.2265625, 0.8671875, -0.0703125, 0 (sum 1).
    With 1..2 mirrored (-1 -> 2, 0 -> 1, 2 -> 2): pixel 1 0.2265625 + 0.8671875 = 140/128, pixel 2
    -0.0234375 - 0.0703125 = -12/128. Output 2 (u = 1.25) reads 0.1 of a pixel further: 102/128, 26/128."""
    assert (resize_matrix(2, 2.0) * 128).tolist() == [[140, -12], [102, 26], [26, 102], [-12, 140]]


@pytest.mark.parametrize("factor", [2, 3, 4])
def test_interior_weights_are_the_stretched_kernel_at_half_pixel_offsets(factor):
    """Away from the border, output x of a 1/factor downscale reads 4 * factor inputs whose centres lie at
    half-integer (even factor) or integer (odd factor) distances from u: weights cubic(d / factor), normalised."""
    m = resize_matrix(12 * factor, 1 / factor)
    row = m[6]
    u = 7 * factor - 0.5 * (factor - 1)  # 1-based input coordinate of output 7
    d = u - np.arange(1, 12 * factor + 1)
    expected = cubic(d / factor) / cubic(d / factor).sum()
    assert np.allclose(row, expected, atol=1e-15)
    assert np.count_nonzero(row) <= 4 * factor


def test_two_dimensional_resize_is_separable_by_hand():
    """A 4096 impulse at pixel (4, 4) of a 4x4 image: outer product of column 4 of the 1/2 matrix
    (-3/64, 35/64) with itself, times 4096."""
    image = np.zeros((4, 4))
    image[3, 3] = 4096
    assert imresize(image, 0.5).tolist() == [[9, -105], [-105, 1225]]


@pytest.mark.parametrize("scale", [1 / 2, 1 / 3, 1 / 4, 2, 4])
def test_a_constant_image_stays_constant_and_sizes_follow_matlab(scale):
    image = np.full((12, 24, 3), 87.0)
    out = imresize(image, scale)
    assert out.shape == (round(12 * scale), round(24 * scale), 3)
    assert np.allclose(out, 87.0, atol=1e-12)
    assert output_length(300, 1 / 3) == 100 and output_length(7, 0.5) == 4


def test_interior_of_a_downscaled_ramp_is_the_mean_of_the_pixels_it_covers():
    ramp = np.tile(np.arange(32, dtype=np.float64), (4, 1))
    out = imresize(ramp, 0.5)
    assert np.allclose(out[:, 4:12], 2 * np.arange(4, 12) + 0.5)


def test_uint8_results_round_half_up_and_saturate():
    assert to_uint8(np.array([0.5, 1.5, 2.5, 2.49, -3.0, 300.0])).tolist() == [1, 2, 3, 2, 0, 255]
    image = np.random.default_rng(0).integers(0, 256, (8, 12, 3), dtype=np.uint8)
    assert downscale_uint8(image, 2).shape == (4, 6, 3) and upscale_uint8(image, 2).shape == (16, 24, 3)


@pytest.mark.parametrize("scale,psnr,ssim", [(2, 33.66, 0.9299), (4, 28.42, 0.8104)])
def test_bicubic_baseline_matches_the_published_set5_scores(scale, psnr, ssim):
    """Bicubic on the embedded Set5 scored as the SR tables: 33.66/0.9299 (x2), 28.42/0.8104 (x4), which
    MATLAB produced. Ours: 33.68/0.9305 and 28.43/0.8113; the published row came from scripts that differ in
    small ways (Y-only resizing, Y rounded to 8 bits: 33.65 here), so hundredths of a dB are the convention gap."""
    torch.set_num_threads(1)
    pairs = load_pairs(EMBEDDED / "Set5", scale)
    outputs = [(image_tensor(upscale_uint8(p.lr, scale)), image_tensor(p.hr)) for p in pairs]
    assert np.mean([psnr_y(sr, hr, scale) for sr, hr in outputs]) == pytest.approx(psnr, abs=0.05)
    assert np.mean([ssim_y(sr, hr, scale) for sr, hr in outputs]) == pytest.approx(ssim, abs=0.002)
