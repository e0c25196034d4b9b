"""Seeding every random source a training step draws from (Python, NumPy, PyTorch)."""
import random

import numpy as np
import torch


def fix_random_seed(seed: int) -> None:
    """As icefall's: SpecAugment draws from `random` and torch, noise mixing from numpy."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def epoch_seed(base: int, epoch: int, rank: int) -> int:
    """A different stream for every epoch and rank, the same on a resumed run."""
    return base + 1000 * epoch + rank
