"""PSNR and SSIM as the SR tables report them (the MATLAB evaluation of EDSR/RCAN): the output rounded to
8 bits, as a saved PNG, then the luma of ITU-R BT.601 in MATLAB's `rgb2ycbcr` form (studio range,
Y in [16, 235]), `scale` pixels shaved from every border, PSNR with peak 255 and Wang et al.'s SSIM
(11x11 Gaussian window, sigma 1.5, K1 = 0.01, K2 = 0.03, L = 255, population covariances, the mean
over the window positions inside the image: skimage's structural_similarity with gaussian_weights,
use_sample_covariance=False, data_range=255). Y is not rounded again: rounding it too (MATLAB's
rgb2ycbcr on uint8) takes bicubic's Set5 x2 PSNR from 33.68 to 33.65 dB, the published being 33.66.

Images are tensors (3, H, W): uint8 levels, or floats in [0, 1] (model outputs, clipped and rounded
half up here). A single-channel image arrives replicated to RGB (`data.load_pair`).
"""
import math

import torch
import torch.nn.functional as F

Y_WEIGHTS = (65.481, 128.553, 24.966)  # per unit of R, G, B in [0, 1]


def to_levels(image: torch.Tensor) -> torch.Tensor:
    """8-bit levels as float64; floats in [0, 1] are clipped and rounded as when saved to PNG."""
    if image.dtype == torch.uint8:
        return image.double()
    return torch.floor(image.double().clamp(0, 1) * 255 + 0.5)


def rgb_to_y(levels: torch.Tensor) -> torch.Tensor:
    """Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 for R, G, B in 8-bit levels (not rounded again)."""
    if levels.dim() != 3 or levels.shape[0] != 3:
        raise ValueError(f"expected an RGB image (3, H, W), got shape {tuple(levels.shape)}")
    weights = torch.tensor(Y_WEIGHTS, dtype=torch.float64).view(3, 1, 1) / 255
    return 16 + (levels * weights).sum(0)


def shaved_y(sr: torch.Tensor, hr: torch.Tensor, scale: int):
    """Both images' Y with `scale` pixels cut from each border (the border an upscaler cannot know)."""
    if sr.shape != hr.shape:
        raise ValueError(f"SR image {tuple(sr.shape)} and HR image {tuple(hr.shape)} differ in size")
    h, w = sr.shape[-2:]
    if min(h, w) <= 2 * scale:
        raise ValueError(f"nothing is left of the {tuple(sr.shape)} images after shaving {scale} pixels")
    return tuple(rgb_to_y(to_levels(im))[scale:h - scale, scale:w - scale] for im in (sr, hr))


def psnr_y(sr: torch.Tensor, hr: torch.Tensor, scale: int) -> float:
    """Y-channel PSNR in dB; inf for identical images."""
    a, b = shaved_y(sr, hr, scale)
    mse = ((a - b) ** 2).mean().item()
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """One axis of MATLAB's fspecial('gaussian', size, sigma), which is its outer product: sums to 1."""
    t = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(t**2) / (2 * sigma**2))
    return g / g.sum()


def ssim_y(sr: torch.Tensor, hr: torch.Tensor, scale: int) -> float:
    """Y-channel SSIM: the mean SSIM over every 11x11 window inside the shaved image."""
    a, b = (y[None, None] for y in shaved_y(sr, hr, scale))
    g = gaussian_window()
    if min(a.shape[-2:]) < len(g):
        raise ValueError(f"image of {tuple(a.shape[-2:])} after shaving is smaller than the SSIM window")

    def mean(t: torch.Tensor) -> torch.Tensor:  # the 2-D window, separably
        return F.conv2d(F.conv2d(t, g.view(1, 1, 1, -1)), g.view(1, 1, -1, 1))

    mu_a, mu_b = mean(a), mean(b)
    var_a, var_b = mean(a * a) - mu_a**2, mean(b * b) - mu_b**2
    cov = mean(a * b) - mu_a * mu_b
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    ssim = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return ssim.mean().item()
