#!/usr/bin/env python3
"""Kaldi's format_lm.sh with an LM estimated here: a word bigram ARPA on the training transcripts
(OOVs mapped to the OOV word), then G.fst by kaldilm's arpa2fst in a subprocess; the lang dir is
copied beside it (Kaldi's data/lang_test_bg).

    python -m icefall_ext.bin.make_hybrid_g --config conf/tiny.yaml --text data/mfcc/train/text \
        --lang-dir data/lang --out-dir data/lang_test_bg
"""
import argparse
import logging
import shutil
from pathlib import Path

from icefall_ext.hybrid.config import HybridRecipeConfig
from icefall_ext.hybrid.data import transcript_word_ids
from icefall_ext.hybrid.graph import arpa_to_g
from icefall_ext.lm.arpa import BOS, EOS, estimate_bigram_arpa
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--text", required=True, type=Path)
    p.add_argument("--lang-dir", required=True, type=Path)
    p.add_argument("--out-dir", required=True, type=Path)
    args = p.parse_args()
    setup_logger()
    cfg = load_config(args.config, HybridRecipeConfig)
    word_ids, ids = transcript_word_ids(args.text, args.lang_dir)
    words = {i: w for w, i in word_ids.items()}
    sentences = [[words[i] for i in seq] for _, seq in sorted(ids.items())]
    vocab = [w for w in word_ids if w not in ("<eps>", "#0", BOS, EOS)]
    if args.out_dir.exists():
        shutil.rmtree(args.out_dir)
    shutil.copytree(args.lang_dir, args.out_dir, ignore=shutil.ignore_patterns(".done", ".*.tmp*"))
    write_text_atomic(args.out_dir / "lm.arpa", estimate_bigram_arpa(sentences, vocab, cfg.lm.discount))
    arpa_to_g(args.out_dir / "lm.arpa", args.out_dir / "words.txt", args.out_dir / "G.fst")
    logging.info(f"{args.out_dir}/G.fst: bigram of {len(sentences)} transcripts over {len(vocab)} words")


if __name__ == "__main__":
    run_main(main)
