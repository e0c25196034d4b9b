"""Convolutional front end that reduces the frame rate by 4 (10 ms -> 40 ms)."""
from typing import Tuple

import torch
from torch import nn

SUBSAMPLING_FACTOR = 4
# Input frames the two unpadded kernel-3 convolutions need to give one output frame.
MIN_INPUT_FRAMES = 7
# n output frames read 4n + 3 input frames: each chunk of 4n frames needs the first 3 of the
# next one too (a streaming window overlaps the next by these frames; sherpa-onnx's T - decode_chunk_len).
LOOKAHEAD_FRAMES = MIN_INPUT_FRAMES - SUBSAMPLING_FACTOR


def subsampled_lengths(x_lens: torch.Tensor) -> torch.Tensor:
    """Frames left after two unpadded stride-2 convolutions of kernel 3 (0 below 7 frames)."""
    return (((x_lens - 1) // 2 - 1) // 2).clamp(min=0)


class Conv2dSubsampling(nn.Module):
    """Two stride-2 3x3 convolutions over (time, frequency), then a linear map to d_model.

    Without padding in time each output frame looks 6 input frames ahead at most, so the
    module is usable unchanged in the causal, chunked mode. The input is always extended by
    MIN_INPUT_FRAMES zero frames at the end, so that audio of a few milliseconds gives zero
    valid frames (an empty transcript) instead of a convolution error, in PyTorch and in the
    exported graph alike (a shape-dependent branch would be frozen by ONNX tracing). The
    extra output frames lie past every utterance's length and are masked like batch padding.
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
        """x: (N, T, F) -> (N, T', d_model) with T' = ((T + 6) // 2 - 1) // 2 >= 1, and the
        valid lengths subsampled_lengths(x_lens)."""
        x = nn.functional.pad(x, (0, 0, 0, MIN_INPUT_FRAMES))
        return self.subsample(x), subsampled_lengths(x_lens)

    def subsample(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, T, F) with T >= 7, unpadded -> (N, ((T - 1) // 2 - 1) // 2, d_model): what a
        streaming window of 4n + 3 frames gives, exactly n frames."""
        x = self.conv(x.unsqueeze(1))  # (N, C, T', F')
        n, c, t, f = x.shape
        return self.out(x.transpose(1, 2).reshape(n, t, c * f))
