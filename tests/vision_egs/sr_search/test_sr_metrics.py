"""Y-channel PSNR/SSIM as the SR tables: BT.601 studio-range Y on 8-bit levels, rounding of float
outputs, the shaved border, PSNR from a known MSE (inf for identical images), and SSIM against a slow
window-by-window reference written from Wang et al.'s definition (scikit-image is not installed here;
the reference has skimage's settings: Gaussian sigma 1.5, 11x11, population covariances, range 255)."""
import math

import numpy as np
import pytest
import torch

from vision_egs.sr_search.metrics import psnr_y, rgb_to_y, ssim_y, to_levels


def rgb(levels) -> torch.Tensor:
    """A (3, H, W) uint8 image from an (H, W, 3) array of levels."""
    return torch.from_numpy(np.ascontiguousarray(np.asarray(levels, dtype=np.uint8).transpose(2, 0, 1)))


def grey(level: int, h: int = 8, w: int = 8) -> torch.Tensor:
    return torch.full((3, h, w), level, dtype=torch.uint8)


def test_y_is_bt601_studio_range():
    pixels = rgb([[[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255]]])
    assert rgb_to_y(to_levels(pixels))[0].tolist() == pytest.approx([16, 235, 16 + 65.481, 16 + 128.553, 16 + 24.966])


def test_float_outputs_are_clipped_and_rounded_half_up_to_levels():
    x = torch.tensor([0.5 / 255, 1.49 / 255, -0.2, 1.3, 254.5 / 255], dtype=torch.float64)
    assert to_levels(x).tolist() == [1, 1, 0, 255, 255]
    image = torch.randint(0, 256, (3, 9, 9), dtype=torch.uint8)
    assert psnr_y(image.float() / 255, image, 2) == math.inf


def test_psnr_of_a_known_mse_and_the_shaved_border():
    """Grey 100 against grey 110: every Y differs by 10 * 219 / 255 (the Y weights sum to 219)."""
    expected = 10 * math.log10(255**2 / (10 * 219 / 255) ** 2)
    assert psnr_y(grey(110), grey(100), 2) == pytest.approx(expected, abs=1e-9)
    framed = grey(110).clone()
    framed[:, :2], framed[:, -2:], framed[:, :, :2], framed[:, :, -2:] = 0, 255, 0, 255
    assert psnr_y(framed, grey(100), 2) == pytest.approx(expected, abs=1e-9)
    one = grey(100).clone()
    one[:, 4, 4] = 151  # one of the 16 pixels left after shaving 2 of 8: MSE = (51 * 219 / 255)^2 / 16
    assert psnr_y(one, grey(100), 2) == pytest.approx(10 * math.log10(255**2 * 16 / (51 * 219 / 255) ** 2))
    assert psnr_y(grey(100), grey(100), 3) == math.inf


def ssim_reference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over every 11x11 window position inside the image of Wang et al.'s SSIM, each window's
    moments weighted by exp(-(i^2 + j^2) / (2 * 1.5^2)) normalised to sum 1."""
    r = np.arange(-5, 6)
    w = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * 1.5**2))
    w /= w.sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    values = []
    for i in range(a.shape[0] - 10):
        for j in range(a.shape[1] - 10):
            x, y = a[i:i + 11, j:j + 11], b[i:i + 11, j:j + 11]
            mx, my = (w * x).sum(), (w * y).sum()
            vx, vy, cxy = (w * (x - mx) ** 2).sum(), (w * (y - my) ** 2).sum(), (w * (x - mx) * (y - my)).sum()
            values.append((2 * mx * my + c1) * (2 * cxy + c2) / ((mx**2 + my**2 + c1) * (vx + vy + c2)))
    return float(np.mean(values))


@pytest.mark.parametrize("h,w,scale", [(16, 16, 2), (19, 23, 4)])
def test_ssim_matches_a_window_by_window_reference(h, w, scale):
    g = torch.Generator().manual_seed(h)
    hr = torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=g)
    noisy = (hr.float() / 255 + 0.1 * torch.randn(3, h, w, generator=g)).clamp(0, 1)
    ys = [rgb_to_y(to_levels(im))[scale:h - scale, scale:w - scale].numpy() for im in (noisy, hr)]
    assert ssim_y(noisy, hr, scale) == pytest.approx(ssim_reference(*ys), abs=1e-12)
    assert ssim_y(hr, hr, scale) == pytest.approx(1.0, abs=1e-12)


def test_ssim_of_two_flat_images_is_the_luminance_term():
    ya, yb = 16 + 219 * 100 / 255, 16 + 219 * 110 / 255
    c1 = (0.01 * 255) ** 2
    assert ssim_y(grey(110, 16, 16), grey(100, 16, 16), 2) == pytest.approx((2 * ya * yb + c1) / (ya**2 + yb**2 + c1))


def test_bad_shapes_are_one_line_errors():
    with pytest.raises(ValueError, match=r"SR image \(3, 8, 8\) and HR image \(3, 8, 10\) differ in size"):
        psnr_y(grey(1), grey(1, 8, 10), 2)
    with pytest.raises(ValueError, match=r"nothing is left of the \(3, 8, 8\) images after shaving 4 pixels"):
        psnr_y(grey(1), grey(1), 4)
    with pytest.raises(ValueError, match="smaller than the SSIM window"):
        ssim_y(grey(1, 12, 12), grey(1, 12, 12), 2)
    with pytest.raises(ValueError, match=r"expected an RGB image \(3, H, W\)"):
        psnr_y(torch.zeros(1, 8, 8), torch.zeros(1, 8, 8), 2)
