#!/usr/bin/env python3
"""Exports the LSTM LM and the token bigram for sherpa-onnx's LM rescoring (its `lm` and
`lodr_fst` options; icefall's rnn_lm/export-onnx.py and kaldilm's ARPA-to-FST).

    python -m icefall_ext.bin.export_lm_onnx --bpe-model data/lang_bpe/bpe.model \
        --out-dir exp/transducer/onnx [--lm-checkpoint exp/lm/epoch-10.pt] [--bigram data/lang_bpe/bigram.pt]

Writes OUT_DIR/lm.onnx (checked against PyTorch: fails beyond --tolerance) and OUT_DIR/lodr.fst,
beside the transducer's ONNX files, where bin/sherpa_decode.py reads them.
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.export.lodr_fst import write_lodr_fst
from icefall_ext.export.onnx_lm import check_rnn_lm_export, export_rnn_lm
from icefall_ext.lm.bigram import TokenBigram
from icefall_ext.lm.rnn_lm import load_rnn_lm
from icefall_ext.tokens.bpe import Tokenizer
from recipe_common.cli import run_main
from recipe_common.errors import InputError
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bpe-model", required=True, type=Path)
    p.add_argument("--out-dir", required=True, type=Path)
    p.add_argument("--lm-checkpoint", type=Path, default=None, help="bin/train_lm.py's epoch-N.pt")
    p.add_argument("--bigram", type=Path, default=None, help="bin/train_bigram.py's output")
    p.add_argument("--tolerance", type=float, default=1e-3)
    args = p.parse_args()
    setup_logger()
    if args.lm_checkpoint is None and args.bigram is None:
        raise InputError("give --lm-checkpoint, --bigram or both: there is nothing to export")
    vocab_size = Tokenizer(args.bpe_model).vocab_size
    if args.lm_checkpoint is not None:
        lm = load_rnn_lm(args.lm_checkpoint, vocab_size)
        path = export_rnn_lm(lm, args.out_dir / "lm.onnx")
        diff = check_rnn_lm_export(lm, path)
        logging.info(f"{path}: exported {args.lm_checkpoint}; max |onnx - torch| sentence NLL = {diff:.2e}")
        if diff > args.tolerance:
            raise InputError(f"{path}: ONNX sentence NLLs differ from PyTorch by {diff:.2e} (> {args.tolerance})")
    if args.bigram is not None:
        path = write_lodr_fst(TokenBigram.load(args.bigram, vocab_size), args.out_dir / "lodr.fst")
        logging.info(f"{path}: the bigram {args.bigram} as sherpa-onnx's LODR FST")


if __name__ == "__main__":
    run_main(main)
