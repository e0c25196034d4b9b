"""The attacks whose perturbations CDD-RED reverse-engineers, from torchattacks, at the usual
CIFAR budgets; adversarial images are stored as 8-bit images (as they would be on disk)."""
import logging
from typing import Callable, Dict

import torch
import torchattacks
from torch import nn

from recipe_common.errors import InputError
from recipe_common.logging import Progress
from vision_egs.red.config import AttacksConfig

ATTACKS: Dict[str, Callable[[nn.Module, AttacksConfig], torchattacks.attack.Attack]] = {
    "fgsm": lambda m, c: torchattacks.FGSM(m, eps=c.eps),
    "pgd": lambda m, c: torchattacks.PGD(m, eps=c.eps, alpha=c.pgd_alpha, steps=c.pgd_steps, random_start=True),
    "cw": lambda m, c: torchattacks.CW(m, c=c.cw_c, kappa=0, steps=c.cw_steps, lr=c.cw_lr),
    "autoattack": lambda m, c: torchattacks.AutoAttack(m, norm="Linf", eps=c.eps, version="standard", n_classes=10,
                                                       seed=0),
}


def check_attack(name: str) -> None:
    if name not in ATTACKS:
        raise InputError(f"unknown attack '{name}' (known: {', '.join(ATTACKS)})")


def make_attack(name: str, model: nn.Module, cfg: AttacksConfig) -> torchattacks.attack.Attack:
    check_attack(name)
    return ATTACKS[name](model.eval(), cfg)


def attack_images(name: str, model: nn.Module, images: torch.Tensor, labels: torch.Tensor,
                  cfg: AttacksConfig) -> torch.Tensor:
    """Adversarial versions of uint8 images (N, 3, H, W), as uint8."""
    attack = make_attack(name, model, cfg)
    out = torch.empty_like(images)
    progress = Progress(len(images))
    for start in range(0, len(images), cfg.batch_size):
        x = images[start:start + cfg.batch_size].float() / 255.0
        adv = attack(x, labels[start:start + cfg.batch_size])
        out[start:start + len(x)] = (adv.detach() * 255.0).round().clamp(0, 255).to(torch.uint8)
        done = start + len(x)
        logging.info(f"{name}: {done}/{len(images)} images | {progress.eta_str(done)}")
    return out
