#!/usr/bin/env python3
"""Decodes test sets with a trained transducer and scores them (icefall's decode.py).

    python -m icefall_ext.bin.decode --config conf/tiny.yaml --exp-dir exp/transducer \
        --bpe-model data/lang_bpe/bpe.model --test-cuts test=data/fbank/cuts_test.jsonl.gz \
        [--epoch 10 --avg 3] [--decoding-method greedy_search modified_beam_search]

For each method and test set writes EXP_DIR/<method>/recogs-<test>-<suffix>.txt with
suffix = epoch-E-avg-A; icefall_ext.bin.score turns them into errs-* and wer-summary-*.
"""
import argparse
import logging
from pathlib import Path
from typing import List, Tuple

import torch
from lhotse import CutSet

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.data.datamodule import eval_dataloader
from icefall_ext.decoding.scoring import Result, write_recogs
from icefall_ext.decoding.search import METHODS, decode_features
from icefall_ext.features.kaldi_native_fbank import KaldiNativeFbank  # noqa: F401  (registers the extractor)
from icefall_ext.models.load import add_model_arguments, load_transducer_from_args
from icefall_ext.utils.cli import run_main
from icefall_ext.utils.config import load_config
from icefall_ext.utils.errors import InputError
from icefall_ext.utils.logging import Progress, setup_logger


def parse_test_sets(specs: List[str]) -> List[Tuple[str, Path]]:
    sets = []
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name:
            raise InputError(f"--test-cuts: expected NAME=PATH, got '{spec}'")
        if not Path(path).is_file():
            raise InputError(f"{path}: cut manifest does not exist")
        sets.append((name, Path(path)))
    return sets


def decode_cuts(model, tokenizer, cuts: CutSet, method: str, beam: int, max_duration: float) -> List[Result]:
    """Decodes on the device the model is on."""
    device = next(model.parameters()).device
    results: List[Result] = []
    total = len(cuts)
    progress = Progress(total)
    for batch in eval_dataloader(cuts, max_duration):
        sup = batch["supervisions"]
        feats = batch["inputs"]
        lens = torch.zeros(feats.shape[0], dtype=torch.long)
        lens[sup["sequence_idx"]] = (sup["start_frame"] + sup["num_frames"]).long()
        hyps = decode_features(model, feats.to(device), lens.to(device), method, beam)
        for i, text, cut in zip(sup["sequence_idx"].tolist(), sup["text"], sup["cut"]):
            results.append((cut.id, text.split(), tokenizer.decode(hyps[i]).split()))
        logging.info(f"{method}: {len(results)}/{total} utterances | {progress.eta_str(len(results))}")
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--test-cuts", required=True, nargs="+", help="NAME=PATH of a cut manifest with features")
    p.add_argument("--decoding-method", nargs="+", default=None, choices=METHODS)
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig).decode
    test_sets = parse_test_sets(args.test_cuts)
    model, tokenizer, epoch, avg = load_transducer_from_args(args)
    setup_logger(args.exp_dir / "log" / "log-decode")
    suffix = f"epoch-{epoch}-avg-{avg}"
    for method in args.decoding_method or cfg.methods:
        out_dir = args.exp_dir / method
        for name, path in test_sets:
            results = decode_cuts(model, tokenizer, CutSet.from_file(path), method, cfg.beam, cfg.max_duration)
            write_recogs(out_dir / f"recogs-{name}-{suffix}.txt", results)
            logging.info(f"{method} {name}: wrote {out_dir}/recogs-{name}-{suffix}.txt")


if __name__ == "__main__":
    run_main(main)
