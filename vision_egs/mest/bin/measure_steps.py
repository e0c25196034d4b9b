#!/usr/bin/env python3
"""Stage 2: step times of every trained block-scheme run's final model (masked dense training step,
masked forward, the pruning compiler's forward; measure.block_step_times), in one process, to
EXP_DIR/step_times.json.

    python -m vision_egs.mest.bin.measure_steps --config conf/tiny.yaml --exp-dir exp
"""
import json
import logging

from recipe_common.cli import run_main
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger
from vision_egs.common.stage_cli import stage_arguments
from vision_egs.mest.experiment import load_stage_config, runs, step_times_path
from vision_egs.mest.measure import block_step_times
from vision_egs.mest.sparse_train import load_sparse


def main() -> None:
    args = stage_arguments(__doc__, data=False).parse_args()
    cfg = load_stage_config(args)
    setup_logger(args.exp_dir / "log" / "log-measure")
    m = cfg.measure
    times = {}
    for spec in (s for s in runs(cfg) if s.scheme == "block"):
        model, masks = load_sparse(cfg, spec, args.exp_dir)
        times[spec.name] = block_step_times(model, masks, m.batch_size, m.warmup, m.repeats)
        logging.info(f"{spec.name}: {times[spec.name]}")
    write_text_atomic(step_times_path(args.exp_dir), json.dumps(
        {"batch_size": m.batch_size, "threads": cfg.threads, "runs": times}, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
