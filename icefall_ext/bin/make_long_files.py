#!/usr/bin/env python3
"""Joins a test set's utterances into long files, one speaker per file (icefall_ext.data.long_audio).

    python -m icefall_ext.bin.make_long_files --cuts data/manifests/fsdd_cuts_test.jsonl.gz \
        --out-dir data/test_long [--min-duration 20 --max-duration 36 --seed 0]

Writes OUT_DIR/wav/*.wav, OUT_DIR/wav.scp and OUT_DIR/text (Kaldi's forms), for
icefall_ext.bin.decode_long_files and icefall_ext.bin.transcribe --wav-scp.
"""
import argparse
import logging
from pathlib import Path

from lhotse import CutSet

from icefall_ext.data.long_audio import group_into_long_files, write_long_files
from recipe_common.cli import run_main
from recipe_common.errors import InputError
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cuts", required=True, type=Path, help="cut manifest with recordings and supervisions")
    p.add_argument("--out-dir", required=True, type=Path)
    p.add_argument("--min-duration", type=float, default=20.0, help="seconds")
    p.add_argument("--max-duration", type=float, default=36.0, help="seconds")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    setup_logger(None)
    if not args.cuts.is_file():
        raise InputError(f"{args.cuts}: cut manifest does not exist")
    cuts = CutSet.from_file(args.cuts)
    groups = group_into_long_files(cuts, args.min_duration, args.max_duration, args.seed)
    if not groups:
        raise InputError(f"{args.cuts}: no speaker has {args.min_duration:g} s of audio for a long file")
    written = write_long_files(cuts, groups, args.out_dir)
    seconds = [s for _, s in written]
    logging.info(f"{args.out_dir}: {len(written)} files of {min(seconds):.1f}-{max(seconds):.1f} s "
                 f"from {sum(map(len, groups))} of {len(cuts)} utterances")


if __name__ == "__main__":
    run_main(main)
