#!/usr/bin/env python3
"""Exports a trained SURT model for streaming (surt_encoder.onnx with the masker's and the encoder's
caches, decoder.onnx, joiner.onnx; icefall_ext/export/onnx_surt.py) and checks that the small
onnxruntime driver, fed chunk by chunk, equals PyTorch's streaming forward and greedy search on the
first --num-check mixtures.

    python -m icefall_ext.bin.export_onnx_surt --config conf/tiny.yaml --exp-dir exp/surt_late_0 \
        --bpe-model ../ASR/data/lang_bpe_eos/bpe.model --check-cuts data/mixtures/cuts_test.jsonl.gz

Writes EXP_DIR/onnx/ and EXP_DIR/onnx/check.json ({"max_abs_diff", "same_tokens", "mixtures"}).
"""
import argparse
import json
import logging
from pathlib import Path

from lhotse.dataset.collation import collate_features

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.export.onnx_surt import check_streaming_surt, export_streaming_surt
from icefall_ext.surt_training import load_surt
from icefall_ext.training import load_cuts
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--exp-dir", required=True, type=Path, help="the SURT model's exp dir")
    p.add_argument("--bpe-model", required=True, type=Path)
    p.add_argument("--epoch", type=int, default=None)
    p.add_argument("--avg", type=int, default=None, help="default: surt.avg")
    p.add_argument("--check-cuts", required=True, type=Path, help="mixtures the driver is checked on")
    p.add_argument("--num-check", type=int, default=5)
    args = p.parse_args()
    setup_logger(args.exp_dir / "log" / "log-export")
    cfg = load_config(args.config, AsrRecipeConfig)
    model, _, epoch, avg = load_surt(Path(args.config), args.exp_dir, args.bpe_model, args.epoch, args.avg)
    out_dir = args.exp_dir / "onnx"
    paths = export_streaming_surt(model, out_dir, cfg.surt.chunk_frames)
    cuts = load_cuts(args.check_cuts).subset(first=args.num_check)
    feats, lens = collate_features(cuts)
    max_diff, same = check_streaming_surt(model, paths, [feats[i, : int(n)] for i, n in enumerate(lens)],
                                          cfg.surt.chunk_frames)
    check = {"max_abs_diff": max_diff, "same_tokens": same, "mixtures": len(cuts), "epoch": epoch, "avg": avg}
    write_text_atomic(out_dir / "check.json", json.dumps(check, indent=1) + "\n")
    logging.info(f"{out_dir}: exported; driver vs PyTorch on {len(cuts)} mixtures: max |diff| {max_diff:.2e}, "
                 f"greedy tokens {'equal' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    run_main(main)
