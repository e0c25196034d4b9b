#!/usr/bin/env python3
"""Fine-tunes a trained <eos> transducer with the end-of-sentence latency penalty at one late weight
(icefall_ext/eos_penalty.py; weight 0: the same fine-tuning without penalty).

    python -m icefall_ext.bin.train_eos_penalty --config conf/tiny_eos.yaml --src-exp-dir exp/transducer_eos \
        --bpe-model data/lang_bpe_eos/bpe.model --train-cuts exp/transducer_eos/align/cuts_train.jsonl.gz \
        --dev-cuts exp/transducer_eos/align/cuts_dev.jsonl.gz --late-scale 1.0 --exp-dir exp/transducer_eos/late-1.0

The cuts carry word alignments (icefall_ext.bin.align_cuts); the `endpointing` section gives the
early weight, buffer, epochs and learning rate. Writes EXP_DIR/epoch-N.pt, whole transducers that
decode and export load as any other.
"""
import argparse
from pathlib import Path

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.eos_penalty import eos_penalty_run
from icefall_ext.models.load import add_source_model_arguments, load_source_model
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
    p.add_argument("--train-cuts", required=True, type=Path, help="training cuts with word alignments")
    p.add_argument("--dev-cuts", required=True, type=Path, help="dev cuts with word alignments")
    p.add_argument("--noise-cuts", type=Path, default=None)
    p.add_argument("--late-scale", required=True, type=float, help="nats per encoder frame of late <eos>")
    p.add_argument("--exp-dir", required=True, type=Path, help="where the fine-tuned checkpoints go")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = p.parse_args()
    if args.late_scale < 0:
        raise InputError(f"--late-scale must be >= 0, not {args.late_scale}")
    cfg = load_config(args.config, AsrRecipeConfig)
    with exclusive_dir(args.exp_dir):
        setup_logger(args.exp_dir / "log" / "log-train")
        model, tokenizer = load_source_model(args)
        device = resolve_device(args.device, DistInfo(1, 0, 0))
        flush_denormals()
        fix_random_seed(cfg.train.seed)
        fit(eos_penalty_run(model.to(device).train(), cfg, args.late_scale, tokenizer, load_cuts(args.train_cuts),
                            load_cuts(args.dev_cuts), args.exp_dir, device,
                            load_cuts(args.noise_cuts) if args.noise_cuts else None))


if __name__ == "__main__":
    run_main(main)
