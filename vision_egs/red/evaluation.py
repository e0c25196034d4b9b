"""CDD-RED's evaluation of a denoiser D on pairs (x clean, x' adversarial) with a victim f:

- PA_benign = mean[f(D(x')) = f(x)]       the denoised image is classified as the clean one
- PA_adv    = mean[f(x + x' − D(x')) = f(x')]  the estimated perturbation, added to x, still fools f
- PSNR of D(x') against x; L2 error of the estimated perturbation x' − D(x') against x' − x
- IoU of the top pixels of Integrated-Gradients attribution maps (captum) of f for the true and
  the estimated perturbation (both attributed from baseline x towards the class f(x'))
- adaptive attack: PGD through f∘D, then PA_benign on what it produced.

Each is computed per pair and kept so, for the paired tests between denoisers in RESULTS.md.
"""
from pathlib import Path
from typing import Dict, Optional

import torch
import torchattacks
from captum.attr import IntegratedGradients
from torch import nn

from vision_egs.common.metrics import l2_distance, psnr, top_fraction_iou
from vision_egs.red.config import AttacksConfig, EvalConfig


def per_image_path(exp_dir: Path) -> Path:
    return Path(exp_dir) / "eval" / "per_image.json"


def per_image_key(method: str, attack: str, victim: str, metric: str) -> str:
    """One vector's key in per_image.json, 'cdd_red/pgd/resnet20/pa_adv'; attack 'adaptive' is the
    adaptive PGD through the denoiser."""
    return f"{method}/{attack}/{victim}/{metric}"


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    return torch.cat([model(x[i:i + batch_size]).argmax(-1) for i in range(0, len(x), batch_size)])


@torch.no_grad()
def denoise(denoiser: Optional[nn.Module], x: torch.Tensor, batch_size: int = 250) -> torch.Tensor:
    """D(x) by batches; None stands for no denoiser (D(x') = x')."""
    if denoiser is None:
        return x.clone()
    return torch.cat([denoiser(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]).clamp(0, 1)


def attribution_iou(victim: nn.Module, clean: torch.Tensor, adv: torch.Tensor, denoised: torch.Tensor,
                    cfg: EvalConfig) -> torch.Tensor:
    """Per pair of the first cfg.attribution_images, the IoU in [0, 1]."""
    n = min(cfg.attribution_images, len(clean))
    if n == 0:
        return torch.zeros(0)
    x, xa, xd = clean[:n], adv[:n], denoised[:n]
    target = predict(victim, xa)
    ig = IntegratedGradients(victim)
    true_map = ig.attribute(xa, baselines=x, target=target, n_steps=cfg.ig_steps)
    est_map = ig.attribute((x + xa - xd).clamp(0, 1), baselines=x, target=target, n_steps=cfg.ig_steps)
    return top_fraction_iou(true_map, est_map, cfg.iou_fraction)


def evaluate_pairs(denoiser: Optional[nn.Module], victim: nn.Module, clean: torch.Tensor, adv: torch.Tensor,
                   cfg: EvalConfig) -> Dict[str, torch.Tensor]:
    """The metrics above per pair, for float pairs in [0, 1]: pa_benign and pa_adv (bool), psnr (dB),
    l2_error ([0, 1] pixel units), and iou ([0, 1]) for the first cfg.attribution_images pairs."""
    denoised = denoise(denoiser, adv)
    y_clean, y_adv = predict(victim, clean), predict(victim, adv)
    est = adv - denoised
    return {
        "pa_benign": predict(victim, denoised) == y_clean,
        "pa_adv": predict(victim, (clean + est).clamp(0, 1)) == y_adv,
        "psnr": psnr(denoised, clean),
        "l2_error": l2_distance(est, adv - clean),
        "iou": attribution_iou(victim, clean, adv, denoised, cfg),
    }


def mean_metrics(per_pair: Dict[str, torch.Tensor]) -> Dict[str, float]:
    """The means of evaluate_pairs' metrics, PA and IoU in % (IoU nan without attribution images)."""
    return {k: (1 if k in ("psnr", "l2_error") else 100) * v.float().mean().item() for k, v in per_pair.items()}


def adaptive_pa_benign(denoiser: nn.Module, victim: nn.Module, clean: torch.Tensor, attacks: AttacksConfig,
                       steps: int) -> torch.Tensor:
    """PGD (L_inf, attacks.eps) against f∘D, differentiating through the denoiser; then PA_benign,
    per image (bool)."""
    pipeline = nn.Sequential(denoiser, victim).eval()
    y_clean = predict(victim, clean)
    pgd = torchattacks.PGD(pipeline, eps=attacks.eps, alpha=attacks.pgd_alpha, steps=steps, random_start=True)
    adv = torch.cat([pgd(clean[i:i + attacks.batch_size], y_clean[i:i + attacks.batch_size])
                     for i in range(0, len(clean), attacks.batch_size)])
    adv = (adv * 255).round() / 255
    return predict(victim, denoise(denoiser, adv)) == y_clean
