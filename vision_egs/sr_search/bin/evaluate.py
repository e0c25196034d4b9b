#!/usr/bin/env python3
"""Stage 8: every trained model of every scale (the baselines, the searched sub-network, the pruned
and fine-tuned one): Y PSNR/SSIM on each test set, deployed parameters and MACs per 720p frame, to
EXP_DIR/eval/x<s>.json.

    python -m vision_egs.sr_search.bin.evaluate --config conf/ci.yaml --exp-dir exp [--corpus-dir DIR]
"""
import json
import logging

from recipe_common.cli import run_main
from recipe_common.io import write_text_atomic
from recipe_common.logging import Progress, setup_logger
from vision_egs.sr_search.evaluate import deployed_parameters, macs, scores
from vision_egs.sr_search.experiment import eval_path, load_stage_config, stage_arguments, test_sets, trained_models
from vision_egs.sr_search.latency import DEPLOYMENT_INPUT


def main() -> None:
    args = stage_arguments(__doc__).parse_args()
    cfg = load_stage_config(args)
    setup_logger(args.exp_dir / "eval" / "log" / "log-eval")
    progress, done = Progress(len(cfg.data.scales) * (len(cfg.baselines) + 2)), 0
    for scale in cfg.data.scales:
        tests = test_sets(cfg, args, scale)
        rows = {}
        for name, model in trained_models(cfg, args.exp_dir, scale).items():
            rows[name] = {"params": deployed_parameters(model), "macs_720p": macs(model, DEPLOYMENT_INPUT[scale]),
                          "tests": {t: scores(model, pairs) for t, pairs in tests.items()}}
            done += 1
            logging.info(f"x{scale} {name}: {rows[name]} | {progress.eta_str(done)}")
        write_text_atomic(eval_path(args.exp_dir, scale), json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
