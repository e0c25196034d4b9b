#!/usr/bin/env python3
"""Stage 6: per-block channel-pruning ratios of the searched sub-network at every scale (greedy, least
held-out PSNR lost per millisecond saved, the masked model scored) until pruning.budget_ms per 720p
frame (or budget_share of the searched model's) is met, to EXP_DIR/pruning/x<s>.json.

    python -m vision_egs.sr_search.bin.search_pruning --config conf/ci.yaml --exp-dir exp [--corpus-dir DIR]
"""
import json
import logging

from recipe_common.cli import run_main
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger
from vision_egs.sr_search.channel_prune import mask, pruned_choice
from vision_egs.sr_search.evaluate import mean_psnr
from vision_egs.sr_search.experiment import (latency_model, load_stage_config, load_supernet, ratios_path,
                                             searched_choice, stage_arguments, train_valid_pairs)
from vision_egs.sr_search.search import pruning_ratio_search


def main() -> None:
    args = stage_arguments(__doc__).parse_args()
    cfg = load_stage_config(args)
    setup_logger(args.exp_dir / "pruning" / "log" / "log-pruning")
    for scale in cfg.data.scales:
        choice, (_, valid) = searched_choice(args.exp_dir, scale), train_valid_pairs(cfg, args, scale)
        model = load_supernet(cfg, args.exp_dir, scale).extract(choice)
        lat, per_frame = latency_model(cfg, args.exp_dir, scale), cfg.latency.per_frame(scale)

        def latency(ratios):
            return lat.predict(pruned_choice(choice, ratios)) * per_frame

        budget = cfg.pruning.budget(latency((0.0,) * choice.depth))
        ratios = pruning_ratio_search(choice.depth, cfg.pruning.ratios, lambda r: mean_psnr(mask(model, r), valid),
                                      latency, budget)
        pruned = pruned_choice(choice, ratios)
        logging.info(f"x{scale}: {choice} pruned by {ratios} -> {pruned}, {latency(ratios):.1f} ms per 720p frame "
                     f"(budget {budget:.1f})")
        write_text_atomic(ratios_path(args.exp_dir, scale), json.dumps(
            {"budget_ms": budget, "searched": list(choice.widths), "ratios": list(ratios),
             "widths": list(pruned.widths), "latency_ms": latency(ratios)}, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
