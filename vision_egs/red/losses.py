"""The denoiser objectives compared in CDD-RED (x clean, x' adversarial, D denoiser, f surrogate):

- DO (denoise only):    MAE(D(x'), x)
- DS (denoised smoothing, prediction level only): CE(f(D(x')), f(x))
- CDD-RED:              MAE(D(x'), x) + γ·CE(f(D(x')), f(x)) + λ·CE(f(x' − D(x') + x), f(x'))

f(·) as a target means its predicted class. With the robust filter, the CE terms count only the
samples whose surrogate prediction survived the augmentation (on x and on x'); originals always count.
"""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from recipe_common.errors import InputError

METHODS = ("do", "ds", "cdd_red")


def masked_ce(logits: torch.Tensor, target: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    ce = F.cross_entropy(logits, target, reduction="none")
    return (ce * keep).sum() / keep.sum().clamp_min(1)


@torch.no_grad()
def surrogate_targets(f: nn.Module, clean: torch.Tensor, adv: torch.Tensor, source: torch.Tensor,
                      robust_filter: bool) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(f(x), f(x') as classes, keep mask). Rows of augmented copies are kept when their
    predictions equal those of the pair they come from (all rows without the filter)."""
    y_clean, y_adv = f(clean).argmax(-1), f(adv).argmax(-1)
    keep = torch.ones_like(y_clean, dtype=torch.float)
    if robust_filter:
        keep = ((y_clean == y_clean[source]) & (y_adv == y_adv[source])).float()
    return y_clean, y_adv, keep


def denoiser_loss(method: str, denoiser: nn.Module, f: nn.Module, clean: torch.Tensor, adv: torch.Tensor,
                  gamma: float, lam: float, source: Optional[torch.Tensor] = None,
                  robust_filter: bool = False) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    """(loss, its weighted terms) for one batch of pairs in [0, 1]; f is frozen (no gradient to its weights)."""
    if method not in METHODS:
        raise InputError(f"unknown denoiser method '{method}' (known: {', '.join(METHODS)})")
    source = torch.arange(clean.shape[0], device=clean.device) if source is None else source
    denoised = denoiser(adv)
    terms: Dict[str, torch.Tensor] = {}
    if method in ("do", "cdd_red"):
        terms["mae"] = (denoised - clean).abs().mean()
    if method in ("ds", "cdd_red"):
        y_clean, y_adv, keep = surrogate_targets(f, clean, adv, source, robust_filter)
        ce_benign = masked_ce(f(denoised), y_clean, keep)
        if method == "ds":
            terms["ce_benign"] = ce_benign
        else:
            terms["ce_benign"] = gamma * ce_benign
            terms["ce_adv"] = lam * masked_ce(f(adv - denoised + clean), y_adv, keep)
    return sum(terms.values()), terms
