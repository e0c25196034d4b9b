#!/usr/bin/env python3
"""Fine-tunes a trained transducer with minimum-WER training, with LM fusion inside the loss
(Meng et al., arXiv 2106.02302): MWER, MWER-SF or MWER-ILME (icefall_ext/losses/mwer.py).

    python -m icefall_ext.bin.train_mwer --config conf/tiny.yaml --src-exp-dir exp/transducer [--epoch E --avg A] \
        --bpe-model data/lang_bpe/bpe.model --train-cuts data/fbank/cuts_train.jsonl.gz \
        --dev-cuts data/fbank/cuts_dev.jsonl.gz --exp-dir exp/mwer_ilme \
        [--method mwer_ilme --lm-checkpoint exp/lm/epoch-10.pt --lm-scale 0.3 --ilme-scale 0.1] [--device cuda]

The `mwer` section of the config gives the defaults; the LM is decode.lm_checkpoint unless
--lm-checkpoint is given. Writes EXP_DIR/epoch-N.pt, whole transducers of the same model section:
decode them with the same LM weights (decode.lm_scale, decode.ilme_scale), no further tuning.
"""
import argparse
from pathlib import Path

from icefall_ext.asr_config import MWER_METHODS, AsrRecipeConfig
from icefall_ext.lm.rnn_lm import load_rnn_lm
from icefall_ext.models.load import add_source_model_arguments, load_source_model
from icefall_ext.mwer import fine_tune, mwer_run
from icefall_ext.training import load_cuts
from recipe_common.cli import run_main
from recipe_common.config import load_config, override_section
from recipe_common.dist import DistInfo, resolve_device
from recipe_common.lock import exclusive_dir
from recipe_common.logging import setup_logger
from recipe_common.seed import fix_random_seed

OPTIONS = ("method", "nbest", "lm_scale", "ilme_scale", "num_epochs")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_model_arguments(p)
    p.add_argument("--train-cuts", required=True, type=Path)
    p.add_argument("--dev-cuts", required=True, type=Path)
    p.add_argument("--exp-dir", required=True, type=Path, help="where the fine-tuned checkpoints go")
    p.add_argument("--method", choices=MWER_METHODS, default=None, help="default: mwer.method")
    p.add_argument("--nbest", type=int, default=None, help="default: mwer.nbest")
    p.add_argument("--lm-scale", type=float, default=None, help="default: mwer.lm_scale")
    p.add_argument("--ilme-scale", type=float, default=None, help="default: mwer.ilme_scale")
    p.add_argument("--num-epochs", type=int, default=None, help="default: mwer.num_epochs")
    p.add_argument("--lm-checkpoint", type=Path, default=None, help="default: decode.lm_checkpoint")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig)
    overrides = {k: getattr(args, k) for k in OPTIONS if getattr(args, k) is not None}
    cfg = override_section(cfg, "mwer", overrides)
    with exclusive_dir(args.exp_dir):
        setup_logger(args.exp_dir / "log" / "log-mwer")
        model, tokenizer = load_source_model(args)
        device = resolve_device(args.device, DistInfo(1, 0, 0))
        lm_path = args.lm_checkpoint or cfg.decode.lm_checkpoint
        lm = load_rnn_lm(lm_path, tokenizer.vocab_size).to(device) if cfg.mwer.uses_lm and lm_path else None
        fix_random_seed(cfg.train.seed)
        fine_tune(mwer_run(model.to(device), cfg, tokenizer, lm, load_cuts(args.train_cuts), load_cuts(args.dev_cuts),
                           args.exp_dir, device))


if __name__ == "__main__":
    run_main(main)
