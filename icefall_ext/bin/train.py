#!/usr/bin/env python3
"""Trains a transducer on lhotse cuts with precomputed features (icefall's train.py).

    python -m icefall_ext.bin.train --config conf/tiny.yaml --exp-dir exp/transducer \
        --train-cuts data/fbank/cuts_train.jsonl.gz --dev-cuts data/fbank/cuts_dev.jsonl.gz \
        --bpe-model data/lang_bpe/bpe.model [--noise-cuts data/fbank/cuts_noise.jsonl.gz] [--device cuda]

Runs unchanged under `torchrun --nproc_per_node N` (DDP; each rank reads its own shard
of every batch list; only rank 0 logs to file and saves). Resumes from the last
`epoch-N.pt` in --exp-dir; a finished training does nothing; resuming with another model
section is one line naming the key. A second training into the same --exp-dir is refused
while the first runs (EXP_DIR/.train.lock holds its PID).
"""
import argparse
import dataclasses
import random
from contextlib import nullcontext
from pathlib import Path

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.features.stats import global_mean_std
from icefall_ext.models.transducer import Transducer
from icefall_ext.tokens.bpe import Tokenizer
from icefall_ext.training import TrainingRun, check_transcripts, fit, flush_denormals, load_cuts, make_transducer_loss
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.dist import cleanup_dist, resolve_device, setup_dist
from recipe_common.lock import exclusive_dir
from recipe_common.logging import setup_logger
from recipe_common.seed import fix_random_seed


def get_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--train-cuts", required=True, type=Path)
    p.add_argument("--dev-cuts", required=True, type=Path)
    p.add_argument("--noise-cuts", type=Path, default=None)
    p.add_argument("--bpe-model", required=True, type=Path)
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--num-epochs", type=int, default=None, help="overrides train.num_epochs of the config")
    p.add_argument("--use-amp", action="store_true", help="mixed precision (float16 on CUDA, bfloat16 on CPU)")
    return p


def main() -> None:
    args = get_parser().parse_args()
    cfg = load_config(args.config, AsrRecipeConfig)
    dist_info = setup_dist(args.device)
    # one training per exp dir: rank 0 holds EXP_DIR/.train.lock (the other ranks write nothing)
    lock = exclusive_dir(args.exp_dir) if dist_info.is_main else nullcontext()
    try:
        with lock:
            setup_logger(args.exp_dir / "log" / "log-train", rank=dist_info.rank)
            device = resolve_device(args.device, dist_info)
            tokenizer = Tokenizer(args.bpe_model)
            train_cuts, dev_cuts = load_cuts(args.train_cuts), load_cuts(args.dev_cuts)
            check_transcripts(train_cuts, tokenizer, args.train_cuts)
            flush_denormals()
            fix_random_seed(cfg.train.seed)
            model = Transducer(cfg.model, vocab_size=tokenizer.vocab_size, blank_id=tokenizer.blank_id).to(device)
            run = TrainingRun(
                model=model,
                loss_fn=make_transducer_loss(cfg.model, tokenizer, device),
                train_cuts=train_cuts,
                dev_cuts=dev_cuts,
                cfg=cfg.train,
                exp_dir=args.exp_dir,
                device=device,
                dist_info=dist_info,
                noise_cuts=load_cuts(args.noise_cuts) if args.noise_cuts else None,
                use_amp=args.use_amp,
                num_epochs=args.num_epochs,
                eval_max_duration=cfg.decode.max_duration,
                checkpoint_extra={"vocab_size": tokenizer.vocab_size},
                config_sections={"model": dataclasses.asdict(cfg.model)},
            )

            def init_feature_stats(m: Transducer) -> None:  # a fresh model only: resuming loads them
                m.encoder.set_feature_stats(*global_mean_std(train_cuts.shuffle(random.Random(cfg.train.seed))))

            fit(run, init_model=init_feature_stats)
    finally:
        cleanup_dist(dist_info)


if __name__ == "__main__":
    run_main(main)
