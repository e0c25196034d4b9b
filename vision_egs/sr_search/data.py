"""SR image pairs: HR photographs (PNG) and their bicubic-downscaled LR inputs, for training patches
and whole-image testing.

A single-channel image (Set14's bridge.png) is replicated to three identical RGB channels when read,
as Python SR pipelines read it (PIL's convert("RGB"), OpenCV's imread): the RGB models take it as they
take any image, and its Y is 16 + 219/255 times the grey level. MATLAB scripts that score such an image on
its only channel instead report, for the same error in grey levels, a PSNR 20 log10(255/219) =
1.32 dB lower for it.

Sources: the embedded subset in local/sr_subset/ (T91/: 4 training images, Set5/: the test set), the
recipe's default; or any folder of HR images, e.g. ../shared/data/sr/{T91,BSD200,Set5,Set14,B100}.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

import numpy as np
import torch

from recipe_common.errors import InputError
from vision_egs.common.data import IMAGE_SUFFIXES, read_image
from vision_egs.sr_search.bicubic import downscale_uint8

EMBEDDED = Path(__file__).resolve().parent / "local" / "sr_subset"


@dataclass(frozen=True)
class SRPair:
    name: str  # the HR file, for messages
    hr: np.ndarray  # (H, W, 3) uint8, H and W multiples of the scale
    lr: np.ndarray  # (H / scale, W / scale, 3) uint8

    @property
    def scale(self) -> int:
        return self.hr.shape[0] // self.lr.shape[0]


def modcrop(image: np.ndarray, scale: int) -> np.ndarray:
    """The top-left part whose sides are multiples of `scale` (MATLAB's modcrop), so that HR and
    LR pixels align exactly."""
    h, w = image.shape[:2]
    return image[:h - h % scale, :w - w % scale]


def load_pair(path: Path, scale: int) -> SRPair:
    image = read_image(path)
    if min(image.shape[:2]) < scale:
        raise InputError(f"{path}: image of {image.shape[1]}x{image.shape[0]} is too small for x{scale}")
    hr = modcrop(image, scale)
    return SRPair(str(path), hr, downscale_uint8(hr, scale))


def image_files(folder: Path) -> List[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: image folder does not exist")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise InputError(f"{folder}: no images ({', '.join(IMAGE_SUFFIXES)}) in folder")
    return files


def load_pairs(folder: Path, scale: int) -> List[SRPair]:
    """Every image of a folder (sorted by name) with its x`scale` LR input."""
    return [load_pair(p, scale) for p in image_files(folder)]


def image_tensor(image: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 array -> (3, H, W) uint8 tensor, the layout of the models and metrics."""
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))


def check_patch_fits(pairs: List[SRPair], lr_patch: int) -> None:
    """One line naming the first image too small for a training patch."""
    for pair in pairs:
        if min(pair.lr.shape[:2]) < lr_patch:
            hr_patch = lr_patch * pair.scale
            raise InputError(f"{pair.name}: image of {pair.hr.shape[1]}x{pair.hr.shape[0]} is smaller than "
                             f"the {hr_patch}x{hr_patch} HR patch (LR patch {lr_patch} at x{pair.scale})")


def sample_patches(pairs: List[SRPair], count: int, lr_patch: int, seed: int,
                   augment: bool = True) -> Tuple[torch.Tensor, torch.Tensor]:
    """`count` aligned training patches, the same for the same seed: an image drawn uniformly, an
    lr_patch-sided LR crop at a uniform position and the HR crop over it, then (augment) EDSR's random
    horizontal flip, vertical flip and transpose of both. uint8 (N, 3, p, p) LR and (N, 3, p*s, p*s) HR."""
    check_patch_fits(pairs, lr_patch)
    rng = np.random.default_rng(seed)
    lrs, hrs = [], []
    for _ in range(count):
        pair = pairs[rng.integers(len(pairs))]
        s = pair.scale
        y = rng.integers(pair.lr.shape[0] - lr_patch + 1)
        x = rng.integers(pair.lr.shape[1] - lr_patch + 1)
        lr = pair.lr[y:y + lr_patch, x:x + lr_patch]
        hr = pair.hr[y * s:(y + lr_patch) * s, x * s:(x + lr_patch) * s]
        if augment:
            hflip, vflip, transpose = rng.random(3) < 0.5
            lr, hr = (_augment(im, hflip, vflip, transpose) for im in (lr, hr))
        lrs.append(image_tensor(lr))
        hrs.append(image_tensor(hr))
    return torch.stack(lrs), torch.stack(hrs)


def _augment(image: np.ndarray, hflip: bool, vflip: bool, transpose: bool) -> np.ndarray:
    if hflip:
        image = image[:, ::-1]
    if vflip:
        image = image[::-1]
    return image.transpose(1, 0, 2) if transpose else image
