#!/usr/bin/env python3
"""Prepares the connected-digit corpus from FSDD recordings.

    local/prepare_fsdd.py --corpus-dir DIR --config conf/tiny.yaml --test-speakers "nicolas" --output-dir data

Writes data/manifests/fsdd_recordings_all.jsonl.gz + fsdd_supervisions_all.jsonl.gz (the
isolated digits), data/corpus/<split>/*.wav (16 kHz connected digits),
data/manifests/fsdd_cuts_<split>.jsonl.gz and Kaldi-style data/<split>/{wav.scp,text,utt2spk}.
All input files are checked before anything is written.
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.data.connected_digits import ConnectedDigitsConfig, make_connected_digits, split_sources
from icefall_ext.data.fsdd import fsdd_manifests, scan_fsdd
from icefall_ext.data.kaldi_dir import write_kaldi_data_dir
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus-dir", required=True, type=Path)
    p.add_argument("--config", required=True)
    p.add_argument("--test-speakers", default=None, help="space- or comma-separated; overrides corpus.test_speakers")
    p.add_argument("--output-dir", default=Path("data"), type=Path)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(filename)s:%(lineno)d] %(message)s")

    recipe = load_config(args.config, AsrRecipeConfig)
    cfg = recipe.corpus or ConnectedDigitsConfig()
    if not isinstance(cfg, ConnectedDigitsConfig):
        raise InputError(f"{args.config}: corpus.name must be connected_digits for FSDD, not '{cfg.name}'")
    if args.test_speakers:
        cfg.test_speakers = args.test_speakers.replace(",", " ").split()
    items = scan_fsdd(args.corpus_dir)
    split_sources(items, cfg)  # checks --test-speakers and the takes before anything is written
    logging.info(f"{args.corpus_dir}: {len(items)} recordings of speakers {sorted({it.speaker for it in items})}")

    manifests = args.output_dir / "manifests"
    fsdd_manifests(items, manifests)
    splits = make_connected_digits(items, cfg, args.output_dir / "corpus")
    for split, cuts in splits.items():
        write_kaldi_data_dir(cuts, args.output_dir / split)
        cuts.to_file(manifests / f"fsdd_cuts_{split}.jsonl.gz")


if __name__ == "__main__":
    run_main(main)
