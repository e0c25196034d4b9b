#!/usr/bin/env python3
"""Trains the sentencepiece model on training transcripts and writes tokens.txt.

    python -m icefall_ext.bin.train_bpe --config conf/tiny.yaml --cuts data/manifests/fsdd_cuts_train.jsonl.gz \
        --lang-dir data/lang_bpe
Writes LANG_DIR/bpe.model and LANG_DIR/tokens.txt (sherpa-onnx's form).
"""
import argparse
from pathlib import Path

from lhotse import CutSet

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.tokens.bpe import Tokenizer, train_bpe_model
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--cuts", required=True, type=Path)
    p.add_argument("--lang-dir", required=True, type=Path)
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig).tokens
    if not args.cuts.is_file():
        raise InputError(f"{args.cuts}: cut manifest does not exist")
    texts = [s.text for c in CutSet.from_file(args.cuts) for s in c.supervisions if s.text]
    if not texts:
        raise InputError(f"{args.cuts}: no transcripts")
    train_bpe_model(texts, args.lang_dir / "bpe.model", cfg.vocab_size, cfg.model_type, cfg.eos)
    Tokenizer(args.lang_dir / "bpe.model").write_tokens_txt(args.lang_dir / "tokens.txt")


if __name__ == "__main__":
    run_main(main)
