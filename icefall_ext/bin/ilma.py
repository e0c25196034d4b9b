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
from pathlib import Path

from icefall_ext.asr_config import ILMA_PARAMS, AsrRecipeConfig
from icefall_ext.ilma import adapt
from icefall_ext.lm.text_data import load_text_batches
from icefall_ext.models.load import add_source_model_arguments, load_source_model
from recipe_common.cli import run_main
from recipe_common.config import load_config, override_section
from recipe_common.dist import DistInfo, resolve_device
from recipe_common.lock import exclusive_dir
from recipe_common.logging import setup_logger
from recipe_common.seed import fix_random_seed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_model_arguments(p)
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
    cfg = override_section(cfg, "ilma", overrides)
    with exclusive_dir(args.exp_dir):
        setup_logger(args.exp_dir / "log" / "log-ilma")
        model, tokenizer = load_source_model(args)
        batches = load_text_batches(args.adapt_text, args.dev_text, tokenizer, cfg.ilma.batch_size, cfg.train.seed)
        fix_random_seed(cfg.train.seed)
        device = resolve_device(args.device, DistInfo(1, 0, 0))
        adapt(model.to(device), cfg, batches, args.exp_dir, device)


if __name__ == "__main__":
    run_main(main)
