#!/usr/bin/env python3
"""Trains the token-level LSTM LM (icefall's rnn_lm/train.py) for shallow fusion.

    python -m icefall_ext.bin.train_lm --config conf/tiny.yaml --exp-dir exp/lm \
        --train-text data/lm/train.txt --dev-text data/fbank/cuts_dev.jsonl.gz \
        --bpe-model data/lang_bpe/bpe.model [--device cuda]

Text is a file with one sentence a line or a cut manifest (its supervisions' texts), encoded with
the recipe's BPE model; sentences with words the model encodes to <unk> are skipped, with a
warning counting them. The `lm` section of the config sets the model and its training. Writes
EXP_DIR/epoch-N.pt (decode.lm_checkpoint) and log/loss.tsv, logs the dev perplexity of every
epoch, and resumes from the last checkpoint.
"""
import argparse
from pathlib import Path

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.lm.lm_training import lm_run, log_perplexities
from icefall_ext.lm.text_data import load_text_batches
from icefall_ext.tokens.bpe import Tokenizer
from icefall_ext.training import fit
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.dist import DistInfo, resolve_device
from recipe_common.lock import exclusive_dir
from recipe_common.logging import setup_logger
from recipe_common.seed import fix_random_seed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--train-text", required=True, type=Path, help="one sentence a line, or a cut manifest")
    p.add_argument("--dev-text", required=True, type=Path, help="one sentence a line, or a cut manifest")
    p.add_argument("--bpe-model", required=True, type=Path)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig).lm
    dist_info = DistInfo(1, 0, 0)
    with exclusive_dir(args.exp_dir):
        setup_logger(args.exp_dir / "log" / "log-train-lm")
        tokenizer = Tokenizer(args.bpe_model)
        batches = load_text_batches(args.train_text, args.dev_text, tokenizer, cfg.batch_size, cfg.train.seed)
        fix_random_seed(cfg.train.seed)
        device = resolve_device(args.device, dist_info)
        log_perplexities(fit(lm_run(cfg, tokenizer.vocab_size, batches, args.exp_dir, device, dist_info)))


if __name__ == "__main__":
    run_main(main)
