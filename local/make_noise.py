#!/usr/bin/env python3
"""Writes synthetic noise recordings and their cut manifest (for CutMix in training).

    local/make_noise.py --config conf/tiny.yaml --output-dir data
"""
import argparse
from pathlib import Path

from lhotse import CutSet

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.data.noise import make_noise_recordings
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.io import atomic_path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--output-dir", default=Path("data"), type=Path)
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig).features
    recordings = make_noise_recordings(args.output_dir / "noise", cfg.num_noise_recordings, cfg.noise_duration)
    with atomic_path(args.output_dir / "manifests" / "noise_cuts.jsonl.gz") as tmp:
        CutSet.from_manifests(recordings=recordings).to_file(tmp)


if __name__ == "__main__":
    run_main(main)
