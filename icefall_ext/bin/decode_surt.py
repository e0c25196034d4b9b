#!/usr/bin/env python3
"""Streaming greedy decode of a trained SURT model, per output channel, with each token's encoder
frame (the <eos> endpoints): two-talker mixtures and single-talker utterances alike.

    python -m icefall_ext.bin.decode_surt --config conf/tiny.yaml --exp-dir exp/surt_late_0 \
        --bpe-model ../ASR/data/lang_bpe_eos/bpe.model --test-cuts mix_test=data/mixtures/cuts_test.jsonl.gz \
        single_test=../ASR/exp/transducer_eos/align/cuts_test.jsonl.gz --plot mix_test

Writes EXP_DIR/decode/<name>.jsonl (icefall_ext/decoding/surt_files.py) in chunks of
surt.chunk_frames; --plot NAME draws the test set's most overlapped mixture among its first 20
(features, masks, channel outputs with <eos> times) to EXP_DIR/decode/<name>-mixture.png.
"""
import argparse
import logging
from pathlib import Path

import torch
from lhotse.dataset.collation import collate_features

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.decoding.surt_files import decoded_path, write_decoded
from icefall_ext.decoding.surt_streaming import decode_mixtures
from icefall_ext.surt_results import plot_mixture
from icefall_ext.surt_training import load_surt
from icefall_ext.training import load_cuts
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--exp-dir", required=True, type=Path, help="the SURT model's exp dir")
    p.add_argument("--bpe-model", required=True, type=Path)
    p.add_argument("--epoch", type=int, default=None, help="default: the last epoch")
    p.add_argument("--avg", type=int, default=None, help="default: surt.avg")
    p.add_argument("--test-cuts", required=True, nargs="+", help="NAME=PATH of mixtures or single-talker cuts")
    p.add_argument("--plot", default=None, help="the NAME of --test-cuts whose mixture to draw")
    p.add_argument("--max-duration", type=float, default=200.0, help="seconds of audio per batch")
    args = p.parse_args()
    tests = dict(item.partition("=")[::2] for item in args.test_cuts)
    if any(not name or not path for name, path in tests.items()):
        raise InputError(f"--test-cuts: each is NAME=PATH, not {' '.join(args.test_cuts)}")
    if args.plot is not None and args.plot not in tests:
        raise InputError(f"--plot {args.plot}: not one of the --test-cuts names ({', '.join(tests)})")
    setup_logger(args.exp_dir / "log" / "log-decode")
    cfg = load_config(args.config, AsrRecipeConfig)
    model, tokenizer, epoch, avg = load_surt(Path(args.config), args.exp_dir, args.bpe_model, args.epoch, args.avg)
    chunk = cfg.surt.chunk_frames
    for name, path in tests.items():
        cuts = load_cuts(Path(path))
        decoded = decode_mixtures(model, cuts, chunk, args.max_duration)
        write_decoded(decoded_path(args.exp_dir, name), decoded)
        logging.info(f"{decoded_path(args.exp_dir, name)}: {len(decoded)} cuts, epoch {epoch} avg {avg}, chunk {chunk}")
        if name == args.plot:
            d = max(decoded[:20], key=lambda m: m.overlap_ratio)
            feats, lens = collate_features(cuts.subset(cut_ids=[d.id]))
            with torch.no_grad():
                masks, _ = model.masker(feats)
            plot_mixture(decoded_path(args.exp_dir, name).with_name(f"{name}-mixture.png"), feats[0].numpy(),
                         masks[0].numpy(), d, tokenizer.sp.id_to_piece, tokenizer.eos_id)


if __name__ == "__main__":
    run_main(main)
