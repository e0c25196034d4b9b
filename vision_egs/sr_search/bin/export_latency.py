#!/usr/bin/env python3
"""Stage 9: every trained model of every scale exported to ONNX at the latency section's input (each
checked against PyTorch), then their end-to-end ONNX Runtime latency measured in one process, threads
pinned, interleaved (one run of each model per round, the median over latency.rounds), to
EXP_DIR/onnx/x<s>/<model>.onnx and EXP_DIR/latency/measured_x<s>.json with the factor to a 720p frame.

    python -m vision_egs.sr_search.bin.export_latency --config conf/ci.yaml --exp-dir exp
"""
import json
import logging
from functools import partial

import torch

from recipe_common.cli import run_main
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger
from vision_egs.common.latency_table import interleaved_ms
from vision_egs.common.onnx_latency import export_onnx, session
from vision_egs.sr_search.experiment import (load_stage_config, measured_path, onnx_dir, stage_arguments,
                                             trained_models)


def main() -> None:
    args = stage_arguments(__doc__, data=False).parse_args()
    cfg = load_stage_config(args)
    setup_logger(args.exp_dir / "onnx" / "log" / "log-export")
    lat = cfg.latency
    for scale in cfg.data.scales:
        shape = (1, 3, *lat.input[scale])
        example = torch.rand(shape)
        runs = {}
        for name, model in trained_models(cfg, args.exp_dir, scale).items():
            path = onnx_dir(args.exp_dir, scale) / f"{name.replace('+', '_')}.onnx"
            export_onnx(model, example, path)
            runs[name] = partial(session(path, lat.threads).run, None, {"input": example.numpy()})
        ms = interleaved_ms(runs, lat.rounds)
        per_frame = lat.per_frame(scale)
        logging.info(f"x{scale} at input {shape}: " + ", ".join(f"{n} {v:.2f} ms" for n, v in ms.items()))
        write_text_atomic(measured_path(args.exp_dir, scale), json.dumps({
            "input": list(lat.input[scale]), "threads": lat.threads, "rounds": lat.rounds,
            "per_frame": per_frame, "deployment": lat.at_deployment(scale), "ms": ms,
            "ms_720p": {n: v * per_frame for n, v in ms.items()}}, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
