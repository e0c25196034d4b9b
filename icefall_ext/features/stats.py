"""Global feature statistics for input normalisation."""
from typing import Tuple

import numpy as np
import torch
from lhotse import CutSet


def global_mean_std(cuts: CutSet, max_cuts: int = 500) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-bin mean and standard deviation over the frames of the first `max_cuts` cuts."""
    total, total_sq, frames = None, None, 0
    for cut in cuts.subset(first=min(max_cuts, len(cuts))):
        f = cut.load_features().astype(np.float64)
        total = f.sum(0) if total is None else total + f.sum(0)
        total_sq = (f**2).sum(0) if total_sq is None else total_sq + (f**2).sum(0)
        frames += f.shape[0]
    mean = total / frames
    std = np.sqrt(np.maximum(total_sq / frames - mean**2, 1e-10))
    return torch.from_numpy(mean).float(), torch.from_numpy(std).float()
