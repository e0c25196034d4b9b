#!/usr/bin/env python3
"""Stage 3: trains the denoisers DO, DS and CDD-RED on the training pairs.

    python -m vision_egs.red.bin.train_denoisers --config conf/tiny.yaml --exp-dir exp [--device cuda] \
        [--job JOB --num-jobs N]

Training pairs: every attacks.train set of the first victim (EXP_DIR/adv/train_*), without the
images an attack left unchanged, 10% of them held out for validation. The surrogate f is
EXP_DIR/classifiers/<surrogate>/, frozen. Each method goes to EXP_DIR/denoisers/<method>/
(epoch checkpoints, log/, history.png), resuming if interrupted. With --job J --num-jobs N
(run.pl's JOB=1:N) this job trains every N-th method from the J-th; each seeds itself, so the split
changes no result.
"""
import argparse
import logging
from pathlib import Path
from typing import Dict

import torch

from recipe_common.cli import add_job_arguments, job_share, run_main
from recipe_common.config import load_config
from recipe_common.dist import DistInfo
from recipe_common.errors import InputError
from recipe_common.logging import setup_logger
from recipe_common.seed import fix_random_seed
from vision_egs.common.data import shard_batches
from vision_egs.common.metrics import psnr
from vision_egs.common.models import load_classifier
from vision_egs.common.train import EpochTrainer, last_checkpoint
from vision_egs.red.augment import augmented_batch
from vision_egs.red.config import RedConfig
from vision_egs.red.data import load_pairs, pair_path
from vision_egs.red.denoiser import DnCNN
from vision_egs.red.losses import METHODS, denoiser_loss


def training_pairs(cfg: RedConfig, exp_dir: Path):
    clean, adv = [], []
    for attack in cfg.attacks.train:
        pairs = load_pairs(pair_path(exp_dir, "train", attack, cfg.classifiers.victims[0]))
        clean.append(pairs["clean"])
        adv.append(pairs["adv"])
    clean, adv = torch.cat(clean), torch.cat(adv)
    perturbed = (clean != adv).flatten(1).any(1)  # an attack leaves some images as they were (CW, AutoAttack
    clean, adv = clean[perturbed], adv[perturbed]  # skip misclassified ones): nothing to reverse-engineer there
    order = torch.randperm(len(clean), generator=torch.Generator().manual_seed(cfg.data.seed))
    n_val = max(1, len(order) // 10)
    return (clean[order[n_val:]], adv[order[n_val:]]), (clean[order[:n_val]], adv[order[:n_val]])


def train_denoiser(method: str, cfg: RedConfig, exp_dir: Path, f: torch.nn.Module, device: torch.device) -> None:
    out = exp_dir / "denoisers" / method
    setup_logger(out / "log" / "log-train")
    dc = cfg.denoiser
    (train_clean, train_adv), (val_clean, val_adv) = training_pairs(cfg, exp_dir)
    fix_random_seed(dc.train.seed)
    model = DnCNN(dc.depth, dc.channels).to(device)
    logging.info(f"{method}: DnCNN {dc.depth}x{dc.channels}, {len(train_clean)} training pairs, "
                 f"augmentations {dc.augment}, robust filter {dc.robust_filter}")
    trainer = EpochTrainer(model, dc.train, out, device, DistInfo(1, 0, 0),
                           {"method": method, "depth": dc.depth, "channels": dc.channels})

    def train_epoch(epoch: int, t: EpochTrainer) -> Dict[str, float]:
        sums: Dict[str, float] = {}
        batches = list(shard_batches(len(train_clean), dc.train.batch_size, True, dc.train.seed + epoch))
        for i, idx in enumerate(batches):
            clean = train_clean[idx].to(device).float() / 255
            adv = train_adv[idx].to(device).float() / 255
            clean, adv, source = augmented_batch(clean, adv, dc.augment)
            loss, terms = denoiser_loss(method, t.ddp_model, f, clean, adv, dc.gamma, dc.lam, source,
                                        dc.robust_filter)
            t.step(loss)
            for k, v in {"loss": loss, **terms}.items():
                sums[k] = sums.get(k, 0.0) + v.item()
            if i % dc.train.log_interval == 0:
                logging.info(f"{method} epoch {epoch} batch {i}/{len(batches)}: loss {loss.item():.4f} "
                             + " ".join(f"{k} {v.item():.4f}" for k, v in terms.items()))
        return {f"train_{k}": v / max(len(batches), 1) for k, v in sums.items()}

    def validate() -> Dict[str, float]:
        clean, adv = val_clean.to(device).float() / 255, val_adv.to(device).float() / 255
        denoised = model(adv)
        same = (f(denoised).argmax(-1) == f(clean).argmax(-1)).float().mean().item()
        return {"val_psnr": psnr(denoised, clean).mean().item(), "val_pa_benign_surrogate": same}

    trainer.run(train_epoch, validate)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    add_job_arguments(p)
    args = p.parse_args()
    cfg = load_config(args.config, RedConfig)
    for method in cfg.denoiser.methods:
        if method not in METHODS:
            raise InputError(f"{args.config}: unknown denoiser method '{method}' (known: {', '.join(METHODS)})")
    methods = job_share(cfg.denoiser.methods, args)
    if not methods:
        print(f"job {args.job} of {args.num_jobs}: no denoiser to train")
        return
    if args.device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA device is available")
    device = torch.device(args.device)
    surrogate = cfg.classifiers.surrogate
    f = load_classifier(last_checkpoint(args.exp_dir / "classifiers" / surrogate), surrogate).to(device)
    f.requires_grad_(False)
    for method in methods:
        train_denoiser(method, cfg, args.exp_dir, f, device)


if __name__ == "__main__":
    run_main(main)
