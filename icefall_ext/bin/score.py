#!/usr/bin/env python3
"""Scores every recogs-*.txt under the given directories (Kaldi's score step).

    python -m icefall_ext.bin.score exp/transducer/greedy_search exp/transducer/onnx/greedy_search

For recogs-<name>.txt writes errs-<name>.txt (alignments, most frequent errors) and
wer-summary-<name>.txt, and prints one `WER` line per file.
"""
import argparse
from pathlib import Path

from icefall_ext.decoding.scoring import score_decode_dir
from recipe_common.cli import run_main


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dirs", nargs="+", type=Path)
    args = p.parse_args()
    for d in args.dirs:
        for name, wer in score_decode_dir(d):
            print(f"%WER {wer:.2f} [ {d}/errs-{name}.txt ]")


if __name__ == "__main__":
    run_main(main)
