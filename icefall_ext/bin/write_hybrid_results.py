#!/usr/bin/env python3
"""RESULTS.md of a hybrid recipe: each system's WER on every set at the LM weight chosen on dev.

    python -m icefall_ext.bin.write_hybrid_results --config conf/tiny.yaml --title "AN4 s5" \
        --command "./run.sh ..." --system mono=exp/mono --out RESULTS.md dev test
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.hybrid.config import HybridRecipeConfig
from icefall_ext.hybrid.results import results_markdown
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--title", required=True)
    p.add_argument("--command", required=True)
    p.add_argument("--system", action="append", required=True, help="NAME=EXP_DIR (with decode_<set>/)")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("test_sets", nargs="+")
    args = p.parse_args()
    setup_logger()
    cfg = load_config(args.config, HybridRecipeConfig)
    systems = []
    for spec in args.system:
        name, _, path = spec.partition("=")
        systems.append((name, Path(path)))
    text = results_markdown(args.title, args.command, systems, args.test_sets, cfg.results.max_wer)
    write_text_atomic(args.out, text)
    logging.info(f"{args.out} written")
    print(text, end="")


if __name__ == "__main__":
    run_main(main)
