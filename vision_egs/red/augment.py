"""Spatial transformations applied identically to a clean/adversarial pair, as in CDD-RED's
training: each transform makes an augmented copy of the batch that is appended to it."""
from typing import Callable, Dict, Tuple

import torch

from recipe_common.errors import InputError

Pair = Tuple[torch.Tensor, torch.Tensor]


def crop_and_pad(clean: torch.Tensor, adv: torch.Tensor) -> Pair:
    """Keeps a random square (side uniform in [H/4, H]) of each image, zeros elsewhere."""
    n, _, h, w = clean.shape
    side = torch.randint(max(1, h // 4), h + 1, (n,))
    top = (torch.rand(n) * (h - side + 1)).long()
    left = (torch.rand(n) * (w - side + 1)).long()
    rows, cols = torch.arange(h)[None, :], torch.arange(w)[None, :]
    keep_r = (rows >= top[:, None]) & (rows < (top + side)[:, None])
    keep_c = (cols >= left[:, None]) & (cols < (left + side)[:, None])
    mask = (keep_r[:, :, None] & keep_c[:, None, :])[:, None].to(clean.dtype)
    return clean * mask, adv * mask


def cutmix(clean: torch.Tensor, adv: torch.Tensor) -> Pair:
    """Pastes a box (area ratio ~ Beta(1, 1)) from another pair of the batch into each pair."""
    n, _, h, w = clean.shape
    perm = torch.randperm(n)
    ratio = torch.rand(n).sqrt()
    bh, bw = (ratio * h).long(), (ratio * w).long()
    cy, cx = torch.randint(0, h, (n,)), torch.randint(0, w, (n,))
    rows, cols = torch.arange(h)[None, :], torch.arange(w)[None, :]
    in_r = (rows >= (cy - bh // 2).clamp_min(0)[:, None]) & (rows < (cy + bh // 2).clamp_max(h)[:, None])
    in_c = (cols >= (cx - bw // 2).clamp_min(0)[:, None]) & (cols < (cx + bw // 2).clamp_max(w)[:, None])
    box = (in_r[:, :, None] & in_c[:, None, :])[:, None]
    return torch.where(box, clean[perm], clean), torch.where(box, adv[perm], adv)


def flip(clean: torch.Tensor, adv: torch.Tensor) -> Pair:
    """Horizontal or vertical flip, one chosen per pair."""
    vertical = (torch.rand(clean.shape[0]) < 0.5)[:, None, None, None]
    return (torch.where(vertical, clean.flip(-2), clean.flip(-1)), torch.where(vertical, adv.flip(-2), adv.flip(-1)))


AUGMENTATIONS: Dict[str, Callable[[torch.Tensor, torch.Tensor], Pair]] = {
    "crop_and_pad": crop_and_pad,
    "cutmix": cutmix,
    "flip": flip,
}


def augmented_batch(clean: torch.Tensor, adv: torch.Tensor, names) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(clean, adv, source index): the batch followed by one transformed copy per name;
    source[i] is the original pair that row i comes from (itself for the originals)."""
    for name in names:
        if name not in AUGMENTATIONS:
            raise InputError(f"unknown augmentation '{name}' (known: {', '.join(AUGMENTATIONS)})")
    cleans, advs = [clean], [adv]
    for name in names:
        c, a = AUGMENTATIONS[name](clean, adv)
        cleans.append(c)
        advs.append(a)
    source = torch.arange(clean.shape[0]).repeat(len(names) + 1)
    return torch.cat(cleans), torch.cat(advs), source.to(clean.device)
