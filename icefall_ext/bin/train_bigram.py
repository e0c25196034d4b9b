#!/usr/bin/env python3
"""Estimates the token bigram that LODR subtracts (icefall's LODR reads a bigram of BPE tokens).

    python -m icefall_ext.bin.train_bigram --text data/fbank/cuts_train.jsonl.gz \
        --bpe-model data/lang_bpe/bpe.model --out data/lang_bpe/bigram.pt [--discount 0.75]

Text as for bin/train_lm.py: one sentence a line or a cut manifest; LODR wants the transducer's
own training transcripts (the bigram stands for its internal LM). --out is decode.bigram.
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.lm.bigram import TokenBigram
from icefall_ext.lm.text_data import encode_sentences, read_sentences
from icefall_ext.tokens.bpe import Tokenizer
from recipe_common.cli import run_main
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--text", required=True, type=Path, help="one sentence a line, or a cut manifest")
    p.add_argument("--bpe-model", required=True, type=Path)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--discount", type=float, default=0.75, help="Kneser-Ney absolute discount, in (0, 1)")
    args = p.parse_args()
    setup_logger()
    tokenizer = Tokenizer(args.bpe_model)
    sentences = encode_sentences(read_sentences(args.text), tokenizer, str(args.text))
    TokenBigram.estimate(sentences, tokenizer.vocab_size, args.discount).save(args.out)
    logging.info(f"{args.out}: bigram of {len(sentences)} sentences over {tokenizer.vocab_size} tokens")


if __name__ == "__main__":
    run_main(main)
