#!/usr/bin/env python3
"""Diarisation front end of data sets: sub-segments (oracle or energy-VAD speech), one DOA and one
statistics embedding each, to OUT_DIR/<set>.pt.

    python -m diarization.bin.frontend --config conf/tiny.yaml --data-root data \
        --sets dev_moving test_moving --out-dir exp/frontend [--job JOB --num-jobs N]

With --job J --num-jobs N (run.pl's JOB=1:N) this job takes every N-th set from the J-th. A
finished output is kept (delete it to recompute).
"""
import argparse
import logging
from pathlib import Path

from diarization.config import DiarRecipeConfig
from diarization.data import load_diar_set
from diarization.frontend import FrontendConfig, analyse, energy_regions, oracle_regions
from recipe_common.checkpoint import save_checkpoint
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.logging import Progress, setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--data-root", required=True, type=Path)
    p.add_argument("--sets", nargs="+", required=True)
    p.add_argument("--out-dir", required=True, type=Path)
    p.add_argument("--job", type=int, default=1)
    p.add_argument("--num-jobs", type=int, default=1)
    args = p.parse_args()
    setup_logger()
    cfg = load_config(args.config, DiarRecipeConfig).frontend
    if cfg.segments not in ("oracle", "energy"):
        raise InputError(f"{args.config}: frontend.segments must be 'oracle' or 'energy', not '{cfg.segments}'")
    for name in args.sets[args.job - 1::args.num_jobs]:
        analyse_set(args.data_root / name, args.out_dir / f"{name}.pt", cfg)


def analyse_set(data_dir: Path, out: Path, cfg: FrontendConfig) -> None:
    if out.is_file():
        logging.info(f"{out} exists, skipping")
        return
    data = load_diar_set(data_dir)
    progress = Progress(len(data.recordings))
    result = {}
    for i, (rec_id, rec) in enumerate(sorted(data.recordings.items()), 1):
        audio = data.audio(rec_id)
        regions = oracle_regions(data.turns[rec_id]) if cfg.segments == "oracle" else \
            energy_regions(audio[0], rec.sampling_rate, cfg)
        segs = analyse(audio, rec.sampling_rate, data.array, regions, cfg)
        result[rec_id] = {"start": [s.start for s in segs], "end": [s.end for s in segs],
                          "azimuth": [s.azimuth for s in segs], "embedding": [s.embedding.tolist() for s in segs],
                          "duration": rec.duration}
        logging.info(f"{rec_id}: {len(segs)} sub-segments | {progress.eta_str(i)}")
    save_checkpoint(out, recordings=result)


if __name__ == "__main__":
    run_main(main)
