#!/usr/bin/env python3
"""Stage 1: trains every run of the config (experiment.runs) to EXP_DIR/runs/<run>/; a finished run
(run.json) is skipped, an interrupted one resumes. With --job J --num-jobs N (run.pl's JOB=1:N)
this job takes every N-th run from the J-th; each seeds itself, so the split changes no result.

    python -m vision_egs.mest.bin.train_sparse --config conf/tiny.yaml --exp-dir exp [--job JOB --num-jobs N]
"""
import logging

from recipe_common.cli import add_job_arguments, job_share, run_main
from recipe_common.logging import setup_logger
from vision_egs.common.data import load_split
from vision_egs.common.stage_cli import stage_arguments
from vision_egs.mest.experiment import load_stage_config, run_json, runs
from vision_egs.mest.sparse_train import train_run


def main() -> None:
    p = stage_arguments(__doc__)
    add_job_arguments(p)
    args = p.parse_args()
    setup_logger()
    cfg = load_stage_config(args)
    mine = job_share(runs(cfg), args)
    if not mine:
        print(f"job {args.job} of {args.num_jobs}: no run to train")
        return
    train, test = load_split(cfg.data, args, "train"), load_split(cfg.data, args, "test")
    for spec in mine:
        if run_json(args.exp_dir, spec).is_file():
            logging.info(f"{spec.name}: done ({run_json(args.exp_dir, spec)})")
            continue
        train_run(spec, cfg, train, test, args.exp_dir)


if __name__ == "__main__":
    run_main(main)
