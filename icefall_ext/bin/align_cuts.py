#!/usr/bin/env python3
"""Forced-aligns the transcripts of a cut set with a trained transducer (its own Viterbi path
through the RNN-T lattice) and writes the cuts with word alignments: the reference end times the
<eos> latency penalty (model.eos_penalty) trains against, where a corpus has no alignment of its own.

    python -m icefall_ext.bin.align_cuts --config conf/tiny.yaml --exp-dir exp/transducer \
        --bpe-model data/lang_bpe/bpe.model --cuts data/fbank/cuts_train.jsonl.gz \
        --out data/fbank/cuts_train_aligned.jsonl.gz
"""
import argparse
import logging
from pathlib import Path

import torch
from lhotse import CutSet

from icefall_ext.decoding.alignment import align_cuts
from icefall_ext.models.load import add_model_arguments, load_transducer_from_args
from recipe_common.cli import run_main
from recipe_common.errors import InputError
from recipe_common.io import atomic_path
from recipe_common.logging import Progress, setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--cuts", required=True, type=Path, help="a cut manifest with features")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--max-duration", type=float, default=200.0, help="seconds of audio per batch")
    args = p.parse_args()
    setup_logger()
    if not args.cuts.is_file():
        raise InputError(f"{args.cuts}: cut manifest does not exist")
    model, tokenizer, epoch, avg = load_transducer_from_args(args)
    cuts = CutSet.from_file(args.cuts)
    progress = Progress(len(cuts))
    with torch.no_grad(), atomic_path(args.out) as tmp:
        with CutSet.open_writer(tmp) as writer:
            for done, cut in enumerate(align_cuts(model, tokenizer, cuts, args.max_duration), 1):
                writer.write(cut)
                if done % 500 == 0:
                    logging.info(f"aligned {done} of {len(cuts)} cuts: {progress.eta_str(done)}")
    logging.info(f"{args.out}: {len(cuts)} cuts aligned with {args.exp_dir} epoch {epoch} avg {avg}")


if __name__ == "__main__":
    run_main(main)
