"""Image-classification data held in memory as uint8 tensors (CIFAR-sized sets fit easily).

Three sources: `embedded` (the subset in local/cifar10_subset/, the recipes' default),
`folder` (DIR/<split>/<class>/*.png, e.g. ../shared/data/cifar10_subset) and `cifar10`
(torchvision's CIFAR-10 in DIR, downloaded there when asked).
"""
import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Tuple

import numpy as np
import torch

from recipe_common.errors import InputError

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
EMBEDDED = Path(__file__).resolve().parents[2] / "local" / "cifar10_subset" / "cifar10_subset.npz"
SOURCES = ("embedded", "folder", "cifar10")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass
class ImageSet:
    images: torch.Tensor  # (N, 3, H, W) uint8
    labels: torch.Tensor  # (N,) int64
    classes: Tuple[str, ...]

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, n: Optional[int], seed: int = 0) -> "ImageSet":
        """n images drawn evenly over classes (all when n is None or not smaller)."""
        if n is None or n >= len(self):
            return self
        g = torch.Generator().manual_seed(seed)
        order = torch.randperm(len(self), generator=g)
        rank_in_class = torch.empty(len(self), dtype=torch.long)
        for c in range(len(self.classes)):
            members = order[self.labels[order] == c]
            rank_in_class[members] = torch.arange(len(members))
        # the 1st image of every class, then the 2nd of every class, ...: balanced for any n
        picked = order[torch.argsort(rank_in_class[order], stable=True)][:n].sort().values
        return ImageSet(self.images[picked], self.labels[picked], self.classes)

    def floats(self) -> torch.Tensor:
        """Images in [0, 1], the range the models and attacks take."""
        return self.images.float() / 255.0


def _from_hwc(images: np.ndarray, labels, classes) -> ImageSet:
    return ImageSet(torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2))),
                    torch.as_tensor(np.asarray(labels), dtype=torch.long), tuple(classes))


def load_embedded(split: str) -> ImageSet:
    with np.load(EMBEDDED) as z:
        return _from_hwc(z[f"{split}_images"], z[f"{split}_labels"], [str(c) for c in z["classes"]])


def read_image(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise InputError(f"{path}: not a readable image ({type(e).__name__})")


def load_folder(root: Path, split: str, classes: Tuple[str, ...] = CIFAR10_CLASSES) -> ImageSet:
    """DIR/<split>/<class>/*.png; every class of `classes` must be there, with same-sized images."""
    split_dir = Path(root) / split
    if not split_dir.is_dir():
        raise InputError(f"{split_dir}: image folder does not exist")
    present = {p.name for p in split_dir.iterdir() if p.is_dir()}
    missing = [c for c in classes if c not in present]
    if missing:
        raise InputError(f"{split_dir}: missing class folder(s) {', '.join(missing)}")
    images, labels = [], []
    for label, name in enumerate(classes):
        files = sorted(p for p in (split_dir / name).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise InputError(f"{split_dir / name}: no images in class folder")
        for path in files:
            image = read_image(path)
            if images and image.shape != images[0].shape:
                raise InputError(f"{path}: image size {image.shape[:2]} differs from {images[0].shape[:2]}")
            images.append(image)
            labels.append(label)
    return _from_hwc(np.stack(images), labels, classes)


def load_cifar10(root: Path, split: str, download: bool) -> ImageSet:
    from torchvision.datasets import CIFAR10

    try:
        ds = CIFAR10(str(root), train=(split == "train"), download=download)
    except RuntimeError as e:
        raise InputError(f"{root}: CIFAR-10 not found there ({e}); pass --download true to fetch it")
    return _from_hwc(ds.data, ds.targets, ds.classes)


def load_images(source: str, split: str, root: Optional[Path] = None, download: bool = False) -> ImageSet:
    if source == "embedded":
        return load_embedded(split)
    if root is None:
        raise InputError(f"data source '{source}' needs a data directory")
    if source == "folder":
        return load_folder(root, split)
    if source == "cifar10":
        return load_cifar10(root, split, download)
    raise InputError(f"unknown data source '{source}' (known: {', '.join(SOURCES)})")


def shard_batches(n: int, batch_size: int, shuffle: bool, seed: int = 0, rank: int = 0,
                  world_size: int = 1) -> Iterator[torch.Tensor]:
    """Index batches; under torchrun each rank takes every world_size-th batch of one shared order
    (the same number of batches on every rank, so DDP's collectives stay in step)."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)) if shuffle else torch.arange(n)
    chunks = list(order.split(batch_size))
    usable = len(chunks) - len(chunks) % world_size if world_size > 1 else len(chunks)
    for i in range(rank, usable, world_size):
        yield chunks[i]


@dataclass
class DataConfig:
    """The `data` section of a vision recipe's config."""
    source: str = "embedded"  # embedded | folder | cifar10 (run.sh --data-source / --corpus-dir)
    train_images: Optional[int] = None  # class-balanced subsets; None: all
    test_images: Optional[int] = None
    seed: int = 0


def add_data_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-source", choices=SOURCES, default=None, help="overrides data.source of the config")
    p.add_argument("--corpus-dir", type=Path, default=None)
    p.add_argument("--download", action="store_true", help="fetch CIFAR-10 into --corpus-dir (source cifar10)")


def load_split(cfg: DataConfig, args: argparse.Namespace, split: str) -> ImageSet:
    """The split a recipe trains or tests on: the command line's source, the config's subset. A corpus
    folder given with the embedded source is refused rather than silently ignored."""
    source = args.data_source or cfg.source
    if args.corpus_dir is not None and source == "embedded":
        raise InputError(f"{args.corpus_dir}: a corpus folder was given, but the data source is 'embedded' "
                         f"(data.source of {getattr(args, 'config', 'the config')}); give --data-source folder or cifar10 with it")
    images = load_images(source, split, args.corpus_dir, args.download)
    n = cfg.train_images if split == "train" else cfg.test_images
    return images.take(n, seed=cfg.seed)


def print_splits(cfg: DataConfig, args: argparse.Namespace) -> None:
    """Loads both splits (every check of load_split) and prints their sizes, for a recipe's check stage."""
    for split in ("train", "test"):
        images = load_split(cfg, args, split)
        counts = images.labels.bincount(minlength=len(images.classes)).tolist()
        print(f"{split}: {len(images)} images of {tuple(images.images.shape[1:])}, per class {counts}")
