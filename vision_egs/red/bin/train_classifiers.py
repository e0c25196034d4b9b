#!/usr/bin/env python3
"""Stage 1: trains the victim classifiers and the surrogate of a CDD-RED config.

    python -m vision_egs.red.bin.train_classifiers --config conf/tiny.yaml --exp-dir exp [--device cuda] \
        [--job JOB --num-jobs N]

Each goes to EXP_DIR/classifiers/<arch>/ (epoch checkpoints, log/, history.png); a finished one
is skipped, an interrupted one resumes. Under torchrun every rank trains its shard. With --job J
--num-jobs N (run.pl's JOB=1:N) this job trains every N-th classifier from the J-th; each seeds
itself, so the split changes no result.
"""
import argparse
import logging
from pathlib import Path

import torch

from recipe_common.cli import add_job_arguments, job_share, run_main
from recipe_common.config import load_config
from recipe_common.dist import cleanup_dist, setup_dist
from vision_egs.common.data import add_data_arguments, load_split
from vision_egs.common.train import train_classifier
from vision_egs.red.config import RedConfig


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    add_job_arguments(p)
    add_data_arguments(p)
    args = p.parse_args()
    cfg = load_config(args.config, RedConfig)
    archs = job_share(list(dict.fromkeys([*cfg.classifiers.victims, cfg.classifiers.surrogate])), args)
    if not archs:
        print(f"job {args.job} of {args.num_jobs}: no classifier to train")
        return
    train, test = load_split(cfg.data, args, "train"), load_split(cfg.data, args, "test")
    dist_info = setup_dist(args.device)
    device = torch.device("cuda", dist_info.local_rank) if args.device == "cuda" else torch.device("cpu")
    try:
        for arch in archs:
            train_classifier(arch, train, test, cfg.classifiers.train, args.exp_dir / "classifiers" / arch, device,
                             dist_info)
            logging.info(f"{arch}: done")
    finally:
        cleanup_dist(dist_info)


if __name__ == "__main__":
    run_main(main)
