#!/usr/bin/env python3
"""Stage 0: trains the dense models of a pruning config.

    python -m vision_egs.pruning.bin.train_dense --config conf/tiny.yaml --exp-dir exp [--job JOB --num-jobs N]

Each goes to EXP_DIR/<arch>/dense/ (epoch checkpoints, log/, history.png); a finished one is
skipped, an interrupted one resumes. With --job J --num-jobs N (run.pl's JOB=1:N) this job trains
every N-th model from the J-th; each seeds itself, so the split changes no result.
"""
import logging
from dataclasses import replace

import torch

from recipe_common.cli import add_job_arguments, job_share, run_main
from vision_egs.common.data import load_split
from vision_egs.common.train import train_classifier
from vision_egs.common.stage_cli import stage_arguments
from vision_egs.pruning.experiment import check_variants, dense_dir, load_stage_config


def main() -> None:
    p = stage_arguments(__doc__)
    add_job_arguments(p)
    args = p.parse_args()
    cfg = load_stage_config(args)
    check_variants(cfg)  # a bad uniform scheme fails here, before any training
    archs = job_share(cfg.models, args)
    if not archs:
        print(f"job {args.job} of {args.num_jobs}: no model to train")
        return
    train, test = load_split(cfg.data, args, "train"), load_split(cfg.data, args, "test")
    for arch in archs:
        train_cfg = replace(cfg.dense, lr=cfg.dense_lr.get(arch, cfg.dense.lr))
        train_classifier(arch, train, test, train_cfg, dense_dir(args.exp_dir, arch), torch.device("cpu"))
        logging.info(f"{arch}: dense model trained")


if __name__ == "__main__":
    run_main(main)
