"""The SR baselines, each an RGB (or `channels`) image in [0, 1] -> the x`scale` image:

- FSRCNN (Dong et al., ECCV 2016): 5x5 feature extraction to d, 1x1 shrinking to s, m 3x3 mapping
  layers, 1x1 expanding back to d, PReLU after each, a 9x9 deconvolution of stride `scale` as the tail.
  The paper works on Y; its FSRCNN (56, 12, 4) has 12,464 weights there (biases and PReLU not counted).
- ESPCN (Shi et al., CVPR 2016): 5x5 conv to 64, 3x3 to 32 (tanh after both), 3x3 to channels * scale^2
  and a pixel shuffle: all convolutions run at LR size.
- WDSR-B (Yu et al., 2018): wide-activation residual blocks (1x1 expand by 6, ReLU, 1x1 linear
  low-rank to 0.8 n, 3x3 back to n) with weight normalisation, a 3x3 conv + pixel-shuffle tail and a
  5x5 conv + pixel-shuffle global skip from the input, on mean-subtracted input as the authors'
  code (DIV2K's RGB mean, (x - mean) / 0.5). The default is a small one: 8 blocks of 32 channels;
  a searched or pruned one has its own expanded width per block (`narrowed`).
"""
import copy
import math
from typing import Callable, Dict, Optional, Sequence

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from recipe_common.errors import InputError

SCALES = (2, 3, 4)
DIV2K_MEAN = (0.4488, 0.4371, 0.4040)


class FSRCNN(nn.Module):
    def __init__(self, scale: int, channels: int = 3, d: int = 56, s: int = 12, m: int = 4):
        super().__init__()
        layers = [nn.Conv2d(channels, d, 5, padding=2), nn.PReLU(d), nn.Conv2d(d, s, 1), nn.PReLU(s)]
        for _ in range(m):
            layers += [nn.Conv2d(s, s, 3, padding=1), nn.PReLU(s)]
        layers += [nn.Conv2d(s, d, 1), nn.PReLU(d)]
        self.body = nn.Sequential(*layers)
        self.deconv = nn.ConvTranspose2d(d, channels, 9, stride=scale, padding=4, output_padding=scale - 1)
        for conv in self.body:  # the paper's initialisation: He et al.'s for PReLU, N(0, 0.001) for the tail
            if isinstance(conv, nn.Conv2d):
                nn.init.normal_(conv.weight, 0, math.sqrt(2 / (conv.out_channels * math.prod(conv.kernel_size))))
                nn.init.zeros_(conv.bias)
        nn.init.normal_(self.deconv.weight, 0, 0.001)
        nn.init.zeros_(self.deconv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.deconv(self.body(x))


class ESPCN(nn.Module):
    def __init__(self, scale: int, channels: int = 3):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, 64, 5, padding=2), nn.Tanh(),
                                  nn.Conv2d(64, 32, 3, padding=1), nn.Tanh(),
                                  nn.Conv2d(32, channels * scale**2, 3, padding=1), nn.PixelShuffle(scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def wn_conv(cin: int, cout: int, kernel: int) -> nn.Module:
    return weight_norm(nn.Conv2d(cin, cout, kernel, padding=kernel // 2))


class WDSRBlock(nn.Module):
    """x + body(x): 1x1 to `expanded` channels, ReLU, 1x1 to `linear`, 3x3 back to `channels`."""

    def __init__(self, channels: int, expanded: int, linear: int):
        super().__init__()
        self.body = nn.Sequential(wn_conv(channels, expanded, 1), nn.ReLU(inplace=True),
                                  wn_conv(expanded, linear, 1), wn_conv(linear, channels, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class WDSRB(nn.Module):
    def __init__(self, scale: int, channels: int = 3, features: int = 32, blocks: int = 8,
                 expand: int = 6, linear: float = 0.8, widths: Optional[Sequence[int]] = None):
        """`widths`: each block's expanded channels, for a searched or pruned network; by default
        `blocks` blocks of features * expand."""
        super().__init__()
        if channels != len(DIV2K_MEAN):
            raise ValueError(f"WDSR-B subtracts an RGB mean and takes 3 channels, not {channels}")
        widths = [features * expand] * blocks if widths is None else widths
        self.register_buffer("mean", torch.tensor(DIV2K_MEAN).view(1, 3, 1, 1))
        self.head = wn_conv(channels, features, 3)
        self.body = nn.Sequential(*[WDSRBlock(features, width, int(features * linear)) for width in widths])
        self.tail = nn.Sequential(wn_conv(features, channels * scale**2, 3), nn.PixelShuffle(scale))
        self.skip = nn.Sequential(wn_conv(channels, channels * scale**2, 5), nn.PixelShuffle(scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.around(self.body, x)

    def around(self, body: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        """The network with `body` in place of its blocks: mean shift, head, tail and global skip."""
        x = (x - self.mean) / 0.5
        return (self.tail(body(self.head(x))) + self.skip(x)) * 0.5 + self.mean


def narrowed_block(block: WDSRBlock, keep: torch.Tensor, slice_direction: bool = False) -> WDSRBlock:
    """A copy of `block` with only the expanded channels `keep` (indices). Weight normalisation is per
    output channel, w = g v / |v|: the expanding conv's kept rows keep their own g and v exactly. The
    linear conv loses input columns: by default its normalised weight is sliced, w[:, keep] (stored as
    g = |w[:, keep]|, v = w[:, keep]), which computes what `block` does with the other channels zeroed;
    with `slice_direction` its direction is sliced instead, g v[:, keep] / |v[:, keep]|, normalised
    over the kept inputs as the supernet runs a sub-network."""
    expand, _, linear, conv = block.body
    out = WDSRBlock(conv.out_channels, len(keep), linear.out_channels)
    new_expand, _, new_linear, new_conv = out.body
    with torch.no_grad():
        for name, param in expand.parametrizations.weight.named_parameters():
            getattr(new_expand.parametrizations.weight, name).copy_(param[keep])
        new_expand.bias.copy_(expand.bias[keep])
        if slice_direction:
            new_linear.parametrizations.weight.original0.copy_(linear.parametrizations.weight.original0)
            new_linear.parametrizations.weight.original1.copy_(linear.parametrizations.weight.original1[:, keep])
        else:
            new_linear.weight = linear.weight[:, keep]  # weight norm's right inverse sets g and v
        new_linear.bias.copy_(linear.bias)
        new_conv.load_state_dict(conv.state_dict())
    return out


def narrowed(model: WDSRB, keeps: Sequence[torch.Tensor], slice_direction: bool = False) -> WDSRB:
    """A standalone WDSR-B of the first len(keeps) blocks of `model`, block i with only the expanded
    channels keeps[i] (`narrowed_block`), head, tail and skip copied."""
    if len(keeps) > len(model.body):
        raise ValueError(f"{len(keeps)} blocks asked of a WDSR-B with {len(model.body)}")
    out = copy.deepcopy(model)
    out.body = nn.Sequential(*[narrowed_block(block, keep, slice_direction) for block, keep in zip(model.body, keeps)])
    return out


SR_MODELS: Dict[str, Callable[..., nn.Module]] = {"fsrcnn": FSRCNN, "espcn": ESPCN, "wdsr_b": WDSRB}


def build_sr_model(name: str, scale: int, **options) -> nn.Module:
    """A baseline by its config name; `options` are its constructor's keyword arguments."""
    if name not in SR_MODELS:
        raise InputError(f"unknown SR model '{name}' (known: {', '.join(SR_MODELS)})")
    if scale not in SCALES:
        raise InputError(f"scale x{scale} is not supported (known: {', '.join(f'x{s}' for s in SCALES)})")
    return SR_MODELS[name](scale, **options)
