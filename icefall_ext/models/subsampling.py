"""Convolutional front end that reduces the frame rate by 4 (10 ms -> 40 ms)."""
from typing import Tuple

import torch
from torch import nn


def subsampled_lengths(x_lens: torch.Tensor) -> torch.Tensor:
    """Frames left after two unpadded stride-2 convolutions of kernel 3."""
    return ((x_lens - 1) // 2 - 1) // 2


class Conv2dSubsampling(nn.Module):
    """Two stride-2 3x3 convolutions over (time, frequency), then a linear map to d_model.

    Without padding in time each output frame looks 6 input frames ahead at most, so the
    module is usable unchanged in the causal, chunked mode.
    """

    def __init__(self, num_features: int, d_model: int, channels: int = 64):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, channels, kernel_size=3, stride=2),
            nn.SiLU(),
            nn.Conv2d(channels, channels, kernel_size=3, stride=2),
            nn.SiLU(),
        )
        freq = ((num_features - 1) // 2 - 1) // 2
        self.out = nn.Linear(channels * freq, d_model)

    def forward(self, x: torch.Tensor, x_lens: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """x: (N, T, F) -> (N, T', d_model) with T' = ((T - 1) // 2 - 1) // 2."""
        x = self.conv(x.unsqueeze(1))  # (N, C, T', F')
        n, c, t, f = x.shape
        x = self.out(x.transpose(1, 2).reshape(n, t, c * f))
        return x, subsampled_lengths(x_lens)
