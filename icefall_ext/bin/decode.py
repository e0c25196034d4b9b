#!/usr/bin/env python3
"""Decodes test sets with a trained transducer (icefall's decode.py).

    python -m icefall_ext.bin.decode --config conf/tiny.yaml --exp-dir exp/transducer \
        --bpe-model data/lang_bpe/bpe.model --test-cuts test=data/fbank/cuts_test.jsonl.gz \
        [--epoch 10 --avg 3] [--decoding-method greedy_search modified_beam_search]

For each method and test set writes EXP_DIR/<method>/recogs-<test>-<suffix>.txt with
suffix = epoch-E-avg-A; icefall_ext.bin.score turns them into errs-* and wer-summary-*.
"""
import argparse
import logging

from lhotse import CutSet

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.decoding.scoring import write_recogs
from icefall_ext.decoding.search import SearchOptions, check_methods, decode_cuts, method_names
from icefall_ext.features.kaldi_native_fbank import KaldiNativeFbank  # noqa: F401  (registers the extractor)
from icefall_ext.models.load import add_model_arguments, load_transducer_from_args
from recipe_common.cli import parse_named_paths, run_main
from recipe_common.config import load_config
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--test-cuts", required=True, nargs="+", help="NAME=PATH of a cut manifest with features")
    p.add_argument("--decoding-method", nargs="+", default=None, choices=method_names())
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig).decode
    methods = args.decoding_method or cfg.methods
    check_methods(methods, f"{args.config}: decode.methods")
    test_sets = parse_named_paths(args.test_cuts, "--test-cuts", "cut manifest")
    model, tokenizer, epoch, avg = load_transducer_from_args(args)
    setup_logger(args.exp_dir / "log" / "log-decode")
    suffix = f"epoch-{epoch}-avg-{avg}"
    for method in methods:
        out_dir = args.exp_dir / method
        for name, path in test_sets:
            results = decode_cuts(model, tokenizer, CutSet.from_file(path), method, SearchOptions(cfg.beam), cfg.max_duration)
            write_recogs(out_dir / f"recogs-{name}-{suffix}.txt", results)
            logging.info(f"{method} {name}: wrote {out_dir}/recogs-{name}-{suffix}.txt")


if __name__ == "__main__":
    run_main(main)
