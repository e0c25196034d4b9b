#!/usr/bin/env python3
"""Stage 4: evaluates every denoiser on every test attack and victim, and under an adaptive attack.

    python -m vision_egs.red.bin.evaluate --config conf/tiny.yaml --exp-dir exp

Metrics are over the test pairs the attack perturbed (CW and AutoAttack leave images the victim
already misclassifies unchanged). Writes EXP_DIR/eval/metrics.json (rows: method x attack x
victim, plus 'none', the adversarial input itself), first EXP_DIR/eval/per_image.json (per pair:
PA_benign, PA_adv, IoU; per image: adaptive PA_benign; for the paired tests of RESULTS.md), and
EXP_DIR/eval/perturbations.png (clean,
adversarial, true perturbation and each method's estimate, amplified, for a few PGD test images
of the first victim).
"""
import argparse
import json
import logging
from pathlib import Path

import torch

from recipe_common.checkpoint import load_checkpoint
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger
from recipe_common.seed import fix_random_seed
from vision_egs.common.models import load_classifier
from vision_egs.common.results import image_grid, write_per_image
from vision_egs.common.train import last_checkpoint
from vision_egs.red.config import RedConfig
from vision_egs.red.data import load_pairs, pair_path
from vision_egs.red.denoiser import DnCNN
from vision_egs.red.evaluation import (
    adaptive_pa_benign,
    denoise,
    evaluate_pairs,
    mean_metrics,
    per_image_key,
    per_image_path,
)


def load_denoiser(exp_dir: Path, method: str, cfg: RedConfig) -> DnCNN:
    path = last_checkpoint(exp_dir / "denoisers" / method)
    ckpt = load_checkpoint(path)
    model = DnCNN(ckpt.get("depth", cfg.denoiser.depth), ckpt.get("channels", cfg.denoiser.channels))
    try:
        model.load_state_dict(ckpt["model"])
    except (RuntimeError, KeyError) as e:
        raise InputError(f"{path}: not a DnCNN denoiser checkpoint ({str(e).splitlines()[0]})")
    return model.eval().requires_grad_(False)


def amplified(perturbation: torch.Tensor, eps: float) -> torch.Tensor:
    """A perturbation shown around mid-grey, ±eps stretched to the full range."""
    return (0.5 + perturbation / (2 * eps)).clamp(0, 1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--exp-dir", required=True, type=Path)
    args = p.parse_args()
    out = args.exp_dir / "eval" / "metrics.json"
    if out.is_file():
        print(f"{out} exists, skipping")
        return
    setup_logger(args.exp_dir / "log" / "log-evaluate")
    cfg = load_config(args.config, RedConfig)
    fix_random_seed(cfg.data.seed)
    victims = {v: load_classifier(last_checkpoint(args.exp_dir / "classifiers" / v), v).requires_grad_(False)
               for v in cfg.classifiers.victims}
    denoisers = {m: load_denoiser(args.exp_dir, m, cfg) for m in cfg.denoiser.methods}
    rows, adaptive, per_image = [], [], {}
    for victim_name, victim in victims.items():
        for attack in cfg.attacks.test:
            pairs = load_pairs(pair_path(args.exp_dir, "test", attack, victim_name))
            perturbed = (pairs["clean"] != pairs["adv"]).flatten(1).any(1)
            clean, adv = pairs["clean"][perturbed].float() / 255, pairs["adv"][perturbed].float() / 255
            if len(clean) == 0:
                logging.warning(f"{attack}/{victim_name}: the attack perturbed no test image, no metrics")
                rows.append({"method": "none", "attack": attack, "victim": victim_name, "pairs": 0})
                continue
            for method, denoiser in [("none", None), *denoisers.items()]:
                per_pair = evaluate_pairs(denoiser, victim, clean, adv, cfg.eval)
                for key in ("pa_benign", "pa_adv", "iou"):
                    per_image[per_image_key(method, attack, victim_name, key)] = per_pair[key]
                metrics = mean_metrics(per_pair)
                rows.append({"method": method, "attack": attack, "victim": victim_name, "pairs": len(clean), **metrics})
                values = ", ".join(f"{k} {v:.2f}" for k, v in metrics.items())
                logging.info(f"{method} on {attack}/{victim_name}: {values}")
        clean = load_pairs(pair_path(args.exp_dir, "test", cfg.attacks.test[0], victim_name))["clean"].float() / 255
        for method, denoiser in denoisers.items():
            right = adaptive_pa_benign(denoiser, victim, clean, cfg.attacks, cfg.eval.adaptive_steps)
            per_image[per_image_key(method, "adaptive", victim_name, "pa_benign")] = right
            pa = 100 * right.float().mean().item()
            adaptive.append({"method": method, "victim": victim_name, "pa_benign": pa})
            logging.info(f"adaptive PGD through {method} on {victim_name}: PA_benign {pa:.2f}")

    first = cfg.classifiers.victims[0]
    attack = "pgd" if "pgd" in cfg.attacks.test else cfg.attacks.test[0]
    pairs = load_pairs(pair_path(args.exp_dir, "test", attack, first))
    n = cfg.eval.grid_images
    clean, adv = pairs["clean"][:n].float() / 255, pairs["adv"][:n].float() / 255
    columns = {"clean": clean, f"{attack} ({first})": adv, "true x'-x": amplified(adv - clean, cfg.attacks.eps)}
    for method, denoiser in denoisers.items():
        columns[f"{method} estimate"] = amplified(adv - denoise(denoiser, adv), cfg.attacks.eps)
    image_grid(columns, args.exp_dir / "eval" / "perturbations.png",
               f"perturbations amplified: mid-grey = 0, full range = ±{cfg.attacks.eps * 255:.0f}/255")
    write_per_image(per_image_path(args.exp_dir), per_image)
    write_text_atomic(out, json.dumps({"rows": rows, "adaptive": adaptive}, indent=1) + "\n")
    logging.info(f"wrote {out}")


if __name__ == "__main__":
    run_main(main)
