"""The recipe's images and the stored adversarial pairs (exp/adv/<split>_<attack>_<victim>.pt)."""
import argparse
from pathlib import Path
from typing import Dict

import torch

from icefall_ext.utils.checkpoint import load_checkpoint, save_checkpoint
from vision_egs.common.data import SOURCES, ImageSet, load_images
from vision_egs.red.config import RedConfig


def add_data_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-source", choices=SOURCES, default=None, help="overrides data.source of the config")
    p.add_argument("--data-dir", type=Path, default=None)
    p.add_argument("--download", action="store_true", help="fetch CIFAR-10 into --data-dir (source cifar10)")


def load_split(cfg: RedConfig, args: argparse.Namespace, split: str) -> ImageSet:
    source = args.data_source or cfg.data.source
    images = load_images(source, split, args.data_dir, args.download)
    n = cfg.data.train_images if split == "train" else cfg.data.test_images
    return images.take(n, seed=cfg.data.seed)


def pair_path(exp_dir: Path, split: str, attack: str, victim: str) -> Path:
    return Path(exp_dir) / "adv" / f"{split}_{attack}_{victim}.pt"


def save_pairs(path: Path, clean: torch.Tensor, adv: torch.Tensor, labels: torch.Tensor) -> None:
    save_checkpoint(path, clean=clean, adv=adv, labels=labels)


def load_pairs(path: Path) -> Dict[str, torch.Tensor]:
    return load_checkpoint(path)
