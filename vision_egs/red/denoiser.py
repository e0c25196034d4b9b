"""DnCNN (Zhang et al. 2017) as CDD-RED uses it: a residual denoiser, D(x') = x' - noise(x')."""
import torch
from torch import nn


class DnCNN(nn.Module):
    def __init__(self, depth: int = 17, channels: int = 64, image_channels: int = 3):
        super().__init__()
        layers = [nn.Conv2d(image_channels, channels, 3, padding=1), nn.ReLU()]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(channels, channels, 3, padding=1, bias=False),
                       nn.BatchNorm2d(channels, eps=1e-4, momentum=0.05), nn.ReLU()]
        layers.append(nn.Conv2d(channels, image_channels, 3, padding=1))
        self.noise = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x - self.noise(x)
