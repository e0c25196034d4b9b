#!/usr/bin/env python3
"""Picks the LM-fusion scales with the lowest WER on a dev set from a scored scale grid
(bin/decode.py with several --lm-scale/--ilme-scale/--lodr-scale values, then bin/score.py).

    python -m icefall_ext.bin.choose_scales --decode-dir exp/transducer/modified_beam_search_LODR \
        --test-set dev --settings epoch-50-avg-10 --out exp/transducer/modified_beam_search_LODR/chosen-scales-dev.txt

Writes (and prints) the chosen scales as bin/decode.py options, `--lm-scale 0.3 --lodr-scale -0.1`,
and logs the dev WER of every combination; the recipe decodes its test sets once with them.
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.decoding.scale_selection import choose_scales, dev_wers
from recipe_common.cli import run_main
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--decode-dir", required=True, type=Path)
    p.add_argument("--test-set", required=True, help="the dev set the scales are chosen on")
    p.add_argument("--settings", required=True, help="the checkpoint part of the names, e.g. epoch-50-avg-10")
    p.add_argument("--out", required=True, type=Path)
    args = p.parse_args()
    setup_logger()
    for scales, wer in dev_wers(args.decode_dir, args.test_set, args.settings):
        logging.info(f"{args.test_set} {scales}: WER {wer:.2f}")
    scales, wer = choose_scales(args.decode_dir, args.test_set, args.settings)
    options = " ".join(f"--{name.replace('_', '-')} {value:g}" for name, value in scales.items())
    write_text_atomic(args.out, options + "\n")
    logging.info(f"chosen on {args.test_set} (WER {wer:.2f}): {options} -> {args.out}")
    print(options)


if __name__ == "__main__":
    run_main(main)
