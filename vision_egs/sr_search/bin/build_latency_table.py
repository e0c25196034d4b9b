#!/usr/bin/env python3
"""Stage 4: the per-block ONNX Runtime latency table of every scale at the latency section's input
(threads pinned, median of repeats), to EXP_DIR/latency/table_x<s>.json: a cache, so entries already
measured under the same machine, versions, shape and threads are kept and only missing ones measured.

    python -m vision_egs.sr_search.bin.build_latency_table --config conf/ci.yaml --exp-dir exp
"""
import logging

from recipe_common.cli import run_main
from recipe_common.logging import setup_logger
from vision_egs.sr_search.experiment import latency_model, load_stage_config, stage_arguments, table_path


def main() -> None:
    args = stage_arguments(__doc__, data=False).parse_args()
    cfg = load_stage_config(args)
    setup_logger(args.exp_dir / "latency" / "log" / "log-table")
    for scale in cfg.data.scales:
        lat = latency_model(cfg, args.exp_dir, scale)
        logging.info(f"x{scale}: {len(lat.table.entries)} entries at input {cfg.latency.input[scale]} "
                     f"({table_path(args.exp_dir, scale)}); largest sub-network "
                     f"{lat.predict(cfg.space.largest()):.2f} ms, smallest {lat.predict(cfg.space.smallest()):.2f} ms")


if __name__ == "__main__":
    run_main(main)
