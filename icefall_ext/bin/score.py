#!/usr/bin/env python3
"""Scores every recogs-*.txt under the given directories (Kaldi's score step).

    python -m icefall_ext.bin.score exp/transducer/greedy_search exp/transducer/onnx/greedy_search

For recogs-<name>.txt writes errs-<name>.txt (alignments, most frequent errors) and
wer-summary-<name>.txt, and prints one `WER` line per file.
"""
import argparse
from pathlib import Path

from icefall_ext.decoding.scoring import read_recogs, write_error_stats
from icefall_ext.utils.cli import run_main
from icefall_ext.utils.errors import InputError
from icefall_ext.utils.io import write_text_atomic


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dirs", nargs="+", type=Path)
    args = p.parse_args()
    for d in args.dirs:
        recogs = sorted(d.glob("recogs-*.txt"))
        if not recogs:
            raise InputError(f"{d}: no recogs-*.txt to score (run the decoding stage first)")
        for path in recogs:
            name = path.name[len("recogs-") : -len(".txt")]
            wer = write_error_stats(d / f"errs-{name}.txt", f"{d.name} {name}", read_recogs(path))
            write_text_atomic(d / f"wer-summary-{name}.txt", f"settings\tWER\n{d.name}\t{wer:.2f}\n")
            print(f"%WER {wer:.2f} [ {d}/errs-{name}.txt ]")


if __name__ == "__main__":
    run_main(main)
