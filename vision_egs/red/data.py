"""The stored adversarial pairs (exp/adv/<split>_<attack>_<victim>.pt)."""
from pathlib import Path
from typing import Dict

import torch

from recipe_common.checkpoint import load_checkpoint, save_checkpoint


def pair_path(exp_dir: Path, split: str, attack: str, victim: str) -> Path:
    return Path(exp_dir) / "adv" / f"{split}_{attack}_{victim}.pt"


def save_pairs(path: Path, clean: torch.Tensor, adv: torch.Tensor, labels: torch.Tensor) -> None:
    save_checkpoint(path, clean=clean, adv=adv, labels=labels)


def load_pairs(path: Path) -> Dict[str, torch.Tensor]:
    return load_checkpoint(path)
