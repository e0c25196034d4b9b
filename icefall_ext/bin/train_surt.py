#!/usr/bin/env python3
"""Trains SURT on two-talker mixtures at one <eos> latency-penalty weight, started from a trained
single-talker <eos> transducer (icefall_ext/surt_training.py; weight 0: the same training, no penalty).

    python -m icefall_ext.bin.train_surt --config conf/tiny.yaml --src-exp-dir ../ASR/exp/transducer_eos \
        --bpe-model ../ASR/data/lang_bpe_eos/bpe.model --train-cuts data/mixtures/cuts_train.jsonl.gz \
        --dev-cuts data/mixtures/cuts_dev.jsonl.gz --late-scale 1.0 --exp-dir exp/surt_late_1

The `surt` section gives the masker, the loss weights, epochs and learning rate; the sources need
word alignments where the penalty is on. Writes EXP_DIR/epoch-N.pt and EXP_DIR/log/.
"""
import argparse
from pathlib import Path

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.models.load import add_source_model_arguments, load_source_model
from icefall_ext.surt_training import surt_run
from icefall_ext.training import fit, flush_denormals, load_cuts
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.dist import DistInfo, resolve_device
from recipe_common.errors import InputError
from recipe_common.lock import exclusive_dir
from recipe_common.logging import setup_logger
from recipe_common.seed import fix_random_seed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_model_arguments(p)
    p.add_argument("--train-cuts", required=True, type=Path, help="training mixtures (bin/make_mixtures.py)")
    p.add_argument("--dev-cuts", required=True, type=Path, help="dev mixtures")
    p.add_argument("--late-scale", required=True, type=float, help="nats per encoder frame of late <eos>, per channel")
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = p.parse_args()
    if args.late_scale < 0:
        raise InputError(f"--late-scale must be >= 0, not {args.late_scale}")
    cfg = load_config(args.config, AsrRecipeConfig)
    with exclusive_dir(args.exp_dir):
        setup_logger(args.exp_dir / "log" / "log-train")
        source, tokenizer = load_source_model(args)
        device = resolve_device(args.device, DistInfo(1, 0, 0))
        flush_denormals()
        fix_random_seed(cfg.train.seed)
        run, init = surt_run(source, cfg, args.late_scale, tokenizer, load_cuts(args.train_cuts),
                             load_cuts(args.dev_cuts), args.exp_dir, device)
        fit(run, init)


if __name__ == "__main__":
    run_main(main)
