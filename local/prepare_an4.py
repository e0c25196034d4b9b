#!/usr/bin/env python3
"""CMU AN4 manifests (ESPnet's train_nodev / train_dev / test split) for the AN4 recipes.

    local/prepare_an4.py --corpus-dir download/an4 --output-dir data [--num-dev 100]

Writes data/manifests/an4_{recordings,supervisions,cuts}_{train,dev,test}.jsonl.gz; SPHERE audio is
stored once as FLAC under data/manifests/flac/ (see icefall_ext.data.an4).
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.data.an4 import NUM_DEV_UTTERANCES, prepare_an4
from icefall_ext.data.manifests import write_part_manifests
from recipe_common.cli import run_main


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus-dir", required=True, type=Path)
    p.add_argument("--output-dir", default=Path("data"), type=Path)
    p.add_argument("--num-dev", type=int, default=NUM_DEV_UTTERANCES, help="first train utterances held out (ESPnet's ndev_utt)")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(filename)s:%(lineno)d] %(message)s")
    manifests_dir = args.output_dir / "manifests"
    write_part_manifests(prepare_an4(args.corpus_dir, manifests_dir, args.num_dev), manifests_dir, "an4")


if __name__ == "__main__":
    run_main(main)
