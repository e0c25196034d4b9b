#!/usr/bin/env python3
"""Kaldi's steps/make_mfcc.sh for the hybrid recipes: a cut manifest -> a data dir with `text` and
`feats.npz` (13 MFCC + deltas + delta-deltas, per-utterance mean normalisation).

    python -m icefall_ext.bin.make_mfcc --cuts data/manifests/an4_cuts_train.jsonl.gz --out-dir data/mfcc/train
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.hybrid.data import write_data_dir
from recipe_common.cli import run_main
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cuts", required=True, type=Path)
    p.add_argument("--out-dir", required=True, type=Path)
    args = p.parse_args()
    setup_logger()
    n = write_data_dir(args.cuts, args.out_dir)
    logging.info(f"{args.out_dir}: features of {n} utterances")


if __name__ == "__main__":
    run_main(main)
