#!/usr/bin/env python3
"""Stage 2: adversarial examples with their clean pairs.

    python -m vision_egs.red.bin.make_adversarial --config conf/tiny.yaml --exp-dir exp [--job JOB --num-jobs N]

attacks.train on the training split against the first victim (the denoisers' training data);
attacks.test on the test split against every victim. Each set goes to
EXP_DIR/adv/<split>_<attack>_<victim>.pt; one that exists is skipped. With --job J --num-jobs N
(run.pl's JOB=1:N) this job makes every N-th set from the J-th; each set is seeded on its own, so
the split changes no result.
"""
import argparse
import logging
from pathlib import Path

import torch

from recipe_common.cli import add_job_arguments, job_share, run_main
from recipe_common.config import load_config
from recipe_common.logging import setup_logger
from recipe_common.seed import fix_random_seed
from vision_egs.common.data import add_data_arguments, load_split
from vision_egs.common.models import load_classifier
from vision_egs.common.train import last_checkpoint
from vision_egs.red.attacks import attack_images, check_attack
from vision_egs.red.config import RedConfig
from vision_egs.red.data import pair_path, save_pairs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--exp-dir", required=True, type=Path)
    add_job_arguments(p)
    add_data_arguments(p)
    args = p.parse_args()
    setup_logger(args.exp_dir / "log" / ("log-adversarial" if args.num_jobs == 1 else f"log-adversarial.{args.job}"))
    cfg = load_config(args.config, RedConfig)
    victims = cfg.classifiers.victims
    jobs = [("train", a, victims[0]) for a in cfg.attacks.train] + [("test", a, v) for a in cfg.attacks.test
                                                                     for v in victims]
    for _, attack, _ in jobs:  # a bad name fails before any work
        check_attack(attack)
    jobs = job_share(jobs, args)
    limits = {"train": cfg.attacks.train_images, "test": cfg.attacks.test_images}
    splits = {split: load_split(cfg.data, args, split).take(limits[split], cfg.data.seed)
              for split in {s for s, _, _ in jobs}}
    for split, attack, victim in jobs:
        out = pair_path(args.exp_dir, split, attack, victim)
        if out.is_file():
            logging.info(f"{out} exists, skipping")
            continue
        model = load_classifier(last_checkpoint(args.exp_dir / "classifiers" / victim), victim)
        data = splits[split]
        fix_random_seed(cfg.data.seed)
        adv = attack_images(attack, model, data.images, data.labels, cfg.attacks)
        with torch.no_grad():
            fooled = (model(adv.float() / 255).argmax(-1) != data.labels).float().mean().item()
        save_pairs(out, data.images, adv, data.labels)
        logging.info(f"{out}: {len(adv)} pairs, {100 * fooled:.1f}% misclassified by {victim}")


if __name__ == "__main__":
    run_main(main)
