#!/usr/bin/env python3
"""Stage 5: regularised evolution over the supernet's sub-networks at every scale, maximising the
held-out images' Y PSNR of the sub-network (the supernet's shared weights) under search.budget_ms per
720p frame (the latency table's prediction), to EXP_DIR/search/x<s>.json: the best sub-network and
every candidate scored. A budget below every candidate is one line.

    python -m vision_egs.sr_search.bin.search_arch --config conf/ci.yaml --exp-dir exp [--corpus-dir DIR]
"""
import dataclasses
import json
import logging

from recipe_common.cli import run_main
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger
from vision_egs.sr_search.evaluate import mean_psnr
from vision_egs.sr_search.experiment import (latency_model, load_stage_config, load_supernet, search_path,
                                             stage_arguments, train_valid_pairs)
from vision_egs.sr_search.search import evolutionary_search


def main() -> None:
    args = stage_arguments(__doc__).parse_args()
    cfg = load_stage_config(args)
    setup_logger(args.exp_dir / "search" / "log" / "log-search")
    s = cfg.search
    for scale in cfg.data.scales:
        net, (_, valid) = load_supernet(cfg, args.exp_dir, scale), train_valid_pairs(cfg, args, scale)
        lat, per_frame = latency_model(cfg, args.exp_dir, scale), cfg.latency.per_frame(scale)
        result = evolutionary_search(
            cfg.space, lambda c: mean_psnr(lambda x: net(x, c), valid), lambda c: lat.predict(c) * per_frame,
            s.budget_ms, s.population, s.cycles, s.tournament, s.mutation, s.seed)
        logging.info(f"x{scale}: {result.best.choice}, proxy {result.best.proxy:.2f} dB, "
                     f"{result.best.latency_ms:.1f} ms per 720p frame (budget {s.budget_ms:g})")
        write_text_atomic(search_path(args.exp_dir, scale), json.dumps({
            "budget_ms": s.budget_ms, "best": dataclasses.asdict(result.best),
            "evaluated": [dataclasses.asdict(c) for c in result.evaluated]}, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
