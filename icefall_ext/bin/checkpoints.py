#!/usr/bin/env python3
"""Prints the checkpoints that --epoch/--avg select (icefall's), space-separated, for the stage
markers of the steps that load a trained model (steps/decode_transducer.sh, steps/export_onnx.sh):
a new checkpoint or another --epoch/--avg makes those stages run again.

    python -m icefall_ext.bin.checkpoints --config conf/tiny.yaml --exp-dir exp/transducer [--epoch 10 --avg 3]
A --epoch without its checkpoint or an --avg beyond the epochs is one line naming the option.
"""
import argparse
from pathlib import Path

from icefall_ext.asr_config import AsrRecipeConfig
from recipe_common.checkpoint import averaged_paths, resolve_epoch_avg
from recipe_common.cli import run_main
from recipe_common.config import load_config


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--epoch", type=int, default=None, help="default: the last epoch")
    p.add_argument("--avg", type=int, default=None, help="default: decode.avg of the config")
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig)
    epoch, avg = resolve_epoch_avg(args.exp_dir, args.epoch, args.avg, cfg.decode.avg)
    print(" ".join(str(path) for path in averaged_paths(args.exp_dir, epoch, avg)))


if __name__ == "__main__":
    run_main(main)
