#!/usr/bin/env python3
"""Decodes test sets with a trained transducer (icefall's decode.py).

    python -m icefall_ext.bin.decode --config conf/tiny.yaml --exp-dir exp/transducer \
        --bpe-model data/lang_bpe/bpe.model --test-cuts test=data/fbank/cuts_test.jsonl.gz \
        [--epoch 10 --avg 3] [--decoding-method greedy_search modified_beam_search]

For each method and test set writes EXP_DIR/<method>/recogs-<test>-<suffix>.txt with
suffix = epoch-E-avg-A; icefall_ext.bin.score turns them into errs-* and wer-summary-*.

LM fusion (modified_beam_search_lm_shallow_fusion, _ILME, _LODR) reads decode.lm_scale,
decode.ilme_scale, decode.lodr_scale, decode.lm_checkpoint and decode.bigram of the config;
--lm-scale, --ilme-scale and --lodr-scale override them with one value or a grid, each
combination a method reads decoded in turn, its scales appended to the suffix as icefall's
(`epoch-E-avg-A-lm-scale-0.3-lodr-scale--0.1`):

    ... --decoding-method modified_beam_search_LODR --lm-checkpoint exp/lm/epoch-10.pt \
        --bigram data/lang_bpe/bigram.pt --lm-scale 0.2 0.3 --lodr-scale -0.1 -0.2
"""
import argparse
import dataclasses
import logging

from lhotse import CutSet

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.decoding.scoring import write_recogs
from icefall_ext.decoding.search import (
    check_methods,
    check_options,
    decode_cuts,
    load_search_options,
    method_names,
    scale_grid,
    scale_suffix,
)
from icefall_ext.features.kaldi_native_fbank import KaldiNativeFbank  # noqa: F401  (registers the extractor)
from icefall_ext.models.load import add_model_arguments, load_transducer_from_args
from recipe_common.cli import parse_named_paths, run_main
from recipe_common.config import load_config
from recipe_common.logging import setup_logger

SCALES = ("lm_scale", "ilme_scale", "lodr_scale")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--test-cuts", required=True, nargs="+", help="NAME=PATH of a cut manifest with features")
    p.add_argument("--decoding-method", nargs="+", default=None, choices=method_names())
    for scale in SCALES:
        p.add_argument(f"--{scale.replace('_', '-')}", type=float, nargs="*", default=None,
                       help=f"one value or a grid; default: decode.{scale} of the config")
    p.add_argument("--lm-checkpoint", default=None, help="default: decode.lm_checkpoint (bin/train_lm.py's epoch-N.pt)")
    p.add_argument("--bigram", default=None, help="default: decode.bigram (bin/train_bigram.py's output)")
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig).decode
    cfg = dataclasses.replace(cfg, lm_checkpoint=args.lm_checkpoint or cfg.lm_checkpoint, bigram=args.bigram or cfg.bigram)
    methods = args.decoding_method or cfg.methods
    check_methods(methods, f"{args.config}: decode.methods")
    grids = {s: getattr(args, s) if getattr(args, s) is not None else [getattr(cfg, s)] for s in SCALES}
    grid = {m: scale_grid(m, grids) for m in methods}
    test_sets = parse_named_paths(args.test_cuts, "--test-cuts", "cut manifest")
    model, tokenizer, epoch, avg = load_transducer_from_args(args)
    options = load_search_options(cfg, tokenizer.vocab_size, next(model.parameters()).device)
    check_options(methods, options)
    setup_logger(args.exp_dir / "log" / "log-decode")
    for method in methods:
        out_dir = args.exp_dir / method
        for scales in grid[method]:
            suffix = f"epoch-{epoch}-avg-{avg}{scale_suffix(scales)}"
            for name, path in test_sets:
                results = decode_cuts(model, tokenizer, CutSet.from_file(path), method,
                                      dataclasses.replace(options, **scales), cfg.max_duration)
                write_recogs(out_dir / f"recogs-{name}-{suffix}.txt", results)
                logging.info(f"{method} {name}: wrote {out_dir}/recogs-{name}-{suffix}.txt")


if __name__ == "__main__":
    run_main(main)
