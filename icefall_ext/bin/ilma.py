#!/usr/bin/env python3
"""Adapts a trained transducer to a domain with text only (ILMA, Meng et al. arXiv 2110.05354).

    python -m icefall_ext.bin.ilma --config conf/tiny.yaml --src-exp-dir exp/transducer [--epoch E --avg A] \
        --bpe-model data/lang_bpe/bpe.model --adapt-text data/lm/domain.txt --dev-text data/lm/domain_dev.txt \
        --exp-dir exp/ilma [--kl-scale 0.5] [--params joiner_last_linear] [--num-epochs 5] [--device cuda]

The `ilma` section of the config gives the defaults. Text is one sentence a line or a cut manifest;
sentences with words the BPE model encodes to <unk> are skipped, with a warning counting them.
Writes EXP_DIR/epoch-N.pt, whole transducers of the same model section (decode and export load
them as any other), stops once the dev text's internal-LM perplexity has not improved for
ilma.early_stop_patience epochs, and writes the best epoch to EXP_DIR/best-epoch.txt.
"""
import argparse
import dataclasses
from pathlib import Path

from icefall_ext.asr_config import ILMA_PARAMS, AsrRecipeConfig
from icefall_ext.ilma import adapt
from icefall_ext.lm.text_data import load_text_batches
from icefall_ext.models.load import load_transducer
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.dist import DistInfo, resolve_device
from recipe_common.errors import InputError
from recipe_common.lock import exclusive_dir
from recipe_common.logging import setup_logger
from recipe_common.seed import fix_random_seed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, help="the recipe config the source model was trained with")
    p.add_argument("--src-exp-dir", required=True, type=Path, help="the source model's exp dir")
    p.add_argument("--epoch", type=int, default=None, help="source checkpoint; default: the last epoch")
    p.add_argument("--avg", type=int, default=None, help="source checkpoints to average; default: decode.avg")
    p.add_argument("--bpe-model", required=True, type=Path)
    p.add_argument("--adapt-text", required=True, type=Path, help="one sentence a line, or a cut manifest")
    p.add_argument("--dev-text", required=True, type=Path, help="one sentence a line, or a cut manifest")
    p.add_argument("--exp-dir", required=True, type=Path, help="where the adapted checkpoints go")
    p.add_argument("--kl-scale", type=float, default=None, help="beta; default: ilma.kl_scale")
    p.add_argument("--params", choices=ILMA_PARAMS, default=None, help="default: ilma.params")
    p.add_argument("--num-epochs", type=int, default=None, help="default: ilma.num_epochs")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig)
    overrides = {k: v for k, v in (("kl_scale", args.kl_scale), ("params", args.params),
                                    ("num_epochs", args.num_epochs)) if v is not None}
    try:
        cfg = dataclasses.replace(cfg, ilma=dataclasses.replace(cfg.ilma, **overrides))
    except ValueError as e:
        raise InputError(f"ilma options: {e}")
    with exclusive_dir(args.exp_dir):
        setup_logger(args.exp_dir / "log" / "log-ilma")
        model, tokenizer, _, _ = load_transducer(args.config, args.src_exp_dir, args.bpe_model, args.epoch, args.avg)
        batches = load_text_batches(args.adapt_text, args.dev_text, tokenizer, cfg.ilma.batch_size, cfg.train.seed)
        fix_random_seed(cfg.train.seed)
        device = resolve_device(args.device, DistInfo(1, 0, 0))
        adapt(model.to(device), cfg, batches, args.exp_dir, device)


if __name__ == "__main__":
    run_main(main)
