"""Activation statistics of an encoder's modules (icefall's diagnostics.py, cut down to the two
figures that tell a collapsed encoder from one that uses its input): how large each module's
output is, and how much it varies from frame to frame. An encoder that has collapsed gives every
frame nearly the same output: the variation over time of its later layers falls towards zero,
often while some module's output grows until it swamps the residual stream."""
from dataclasses import dataclass
from typing import Dict, List

import torch
from torch import nn


@dataclass
class ActivationStats:
    module: str  # the name in encoder.named_modules()
    mean_abs: float  # mean |output| over the valid frames and channels
    time_std: float  # std over an utterance's valid frames, averaged over channels and utterances


def frame_stats(name: str, out: torch.Tensor, lens: torch.Tensor) -> ActivationStats:
    """Statistics of out (N, T, D) over each row's first lens[n] frames."""
    mean_abs, time_std = [], []
    for row, n in zip(out, lens.tolist()):
        frames = row[:n].double()
        mean_abs.append(frames.abs().mean())
        time_std.append(frames.std(dim=0, unbiased=False).mean())
    return ActivationStats(name, float(torch.stack(mean_abs).mean()), float(torch.stack(time_std).mean()))


@torch.no_grad()
def encoder_activation_stats(encoder: nn.Module, x: torch.Tensor, x_lens: torch.Tensor,
                             max_depth: int = 3) -> List[ActivationStats]:
    """One row per module at most `max_depth` levels below the encoder (`embed`, `layers.1` and
    `layers.1.ff1` are 1, 2 and 3 levels below) whose output (or first output) has the encoder's output frames, in the
    order their outputs are computed (a module after its sub-modules), then the encoder output.
    Modules without parameters (dropout, activations) are left out: they repeat their neighbours."""
    outputs: Dict[str, torch.Tensor] = {}

    def keep(name: str):
        def hook(module, inputs, output):
            out = output[0] if isinstance(output, tuple) else output
            if isinstance(out, torch.Tensor) and out.dim() == 3:
                outputs.setdefault(name, out.detach())
        return hook

    handles = [m.register_forward_hook(keep(name)) for name, m in encoder.named_modules()
               if name and name.count(".") < max_depth and any(True for _ in m.parameters())]
    try:
        out, lens = encoder(x, x_lens)
    finally:
        for h in handles:
            h.remove()
    rows = [frame_stats(name, o, lens) for name, o in outputs.items() if o.shape[:2] == out.shape[:2]]
    return rows + [frame_stats("(output)", out, lens)]
