"""What RESULTS.md reports of a model besides its latency: Y-channel PSNR/SSIM over a test set (the
mean over its images, as the SR tables), the parameters a deployed model holds (weight
normalisation folded: one weight per connection, as the published counts), and its multiply-
accumulates per 720p frame."""
from typing import Callable, Dict, List, Tuple

import numpy as np
import torch
from torch import nn
from torch.nn.utils.parametrize import ParametrizationList

from vision_egs.sr_search.bicubic import upscale_uint8
from vision_egs.sr_search.data import SRPair, image_tensor
from vision_egs.sr_search.metrics import psnr_y, ssim_y

Predict = Callable[[torch.Tensor], torch.Tensor]  # (N, 3, h, w) in [0, 1] -> (N, 3, h*s, w*s)


def super_resolve(predict: Predict, lr: np.ndarray) -> torch.Tensor:
    """One (H, W, 3) uint8 LR image -> the (3, H*s, W*s) SR image in [0, 1]."""
    with torch.no_grad():
        return predict(image_tensor(lr)[None].float() / 255)[0]


def bicubic_predict(scale: int) -> Predict:
    """The bicubic baseline as a predictor: MATLAB-compatible imresize upscaling in 8 bits."""
    def predict(x: torch.Tensor) -> torch.Tensor:
        levels = (x[0] * 255).round().byte().permute(1, 2, 0).numpy()
        return image_tensor(upscale_uint8(levels, scale))[None].float() / 255
    return predict


def scores(predict: Predict, pairs: List[SRPair]) -> Dict[str, float]:
    """Mean Y PSNR (dB) and SSIM over the images, `scale` pixels shaved."""
    psnr, ssim = [], []
    for pair in pairs:
        sr, hr = super_resolve(predict, pair.lr), image_tensor(pair.hr)
        psnr.append(psnr_y(sr, hr, pair.scale))
        ssim.append(ssim_y(sr, hr, pair.scale))
    return {"psnr": float(np.mean(psnr)), "ssim": float(np.mean(ssim))}


def mean_psnr(predict: Predict, pairs: List[SRPair]) -> float:
    return float(np.mean([psnr_y(super_resolve(predict, p.lr), image_tensor(p.hr), p.scale) for p in pairs]))


def deployed_parameters(model: nn.Module) -> int:
    """Weights and biases of the model as exported: a weight-normalised conv counts its weight once
    (not g and v)."""
    total = 0
    for module in model.modules():
        if isinstance(module, ParametrizationList):  # g and v, counted as the weight they make
            continue
        total += sum(p.numel() for p in module.parameters(recurse=False))
        if hasattr(module, "parametrizations"):
            total += module.weight.numel()
    return total


def macs(model: nn.Module, input_hw: Tuple[int, int], reduce: int = 20) -> int:
    """Multiply-accumulates of the convolutions for one (height, width) LR input. Every convolution
    here keeps (or, transposed, multiplies) the spatial size, so its work is linear in the input's
    pixels: counted at an input `reduce` times smaller per side and scaled by reduce^2."""
    h, w = input_hw
    if h % reduce or w % reduce:
        reduce = 1
    count = 0

    def hook(module: nn.Module, inputs, output) -> None:
        nonlocal count
        # weight.numel() MACs per output pixel of a conv; per input pixel of a transposed conv
        positions = inputs[0][0, 0] if isinstance(module, nn.ConvTranspose2d) else output[0, 0]
        count += positions.numel() * module.weight.numel()

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    try:
        with torch.no_grad():
            model.eval()(torch.rand(1, 3, h // reduce, w // reduce))
    finally:
        for handle in handles:
            handle.remove()
    return count * reduce * reduce
