#!/usr/bin/env python3
"""Fbank features (kaldi-native-fbank, stored by lhotse as lilcom) in three steps, so that
the middle one runs as N parallel jobs through run.pl/queue.pl/slurm.pl (steps/make_fbank.sh):

    python -m icefall_ext.bin.compute_fbank split IN_CUTS NJ SPLIT_DIR [--speed-perturb 0.9 1.1] \
        [--volume-perturb-db -30 10]
    python -m icefall_ext.bin.compute_fbank compute SPLIT_DIR/cuts.JOB.jsonl.gz FEATS_DIR OUT_CUTS
    python -m icefall_ext.bin.compute_fbank combine OUT_CUTS [IN ...]
"""
import argparse
import logging
from pathlib import Path
from typing import List

import torch
from lhotse import CutSet, LilcomChunkyWriter

from icefall_ext.data.perturb import perturb_training_cuts
from icefall_ext.features.kaldi_native_fbank import KaldiNativeFbank, KnfFbankConfig
from recipe_common.cli import run_main
from recipe_common.errors import InputError
from recipe_common.io import atomic_path


def read_cuts(path: Path) -> CutSet:
    if not path.is_file():
        raise InputError(f"{path}: cut manifest does not exist")
    return CutSet.from_file(path)


def split(in_cuts: Path, nj: int, split_dir: Path, speed_perturb: List[float], volume_db: List[float]) -> None:
    if volume_db and len(volume_db) != 2:
        raise InputError(f"--volume-perturb-db: expected LOW HIGH (dB), not {' '.join(map(str, volume_db))}")
    cuts = perturb_training_cuts(read_cuts(in_cuts), speed_perturb, volume_db).to_eager()
    split_dir.mkdir(parents=True, exist_ok=True)
    parts = cuts.split(nj) if nj > 1 else [cuts]
    if len(parts) < nj:
        raise InputError(f"{in_cuts}: {len(cuts)} cuts cannot be split into {nj} jobs")
    for i, part in enumerate(parts, 1):
        with atomic_path(split_dir / f"cuts.{i}.jsonl.gz") as tmp:
            part.to_file(tmp)


def compute(in_cuts: Path, feats_path: Path, out_cuts: Path) -> None:
    torch.set_num_threads(1)
    cuts = read_cuts(in_cuts)
    feats_path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_cuts) as tmp:
        cuts = cuts.compute_and_store_features(
            extractor=KaldiNativeFbank(KnfFbankConfig()),
            storage_path=str(feats_path),
            storage_type=LilcomChunkyWriter,
            num_jobs=1,
        )
        cuts.to_file(tmp)
    logging.info(f"{out_cuts}: {len(cuts)} cuts with features in {feats_path}")


def combine_cuts(out_cuts: Path, inputs: List[Path]) -> None:
    with atomic_path(out_cuts) as tmp:
        CutSet.from_cuts(cut for path in inputs for cut in read_cuts(path)).to_file(tmp)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("split")
    s.add_argument("in_cuts", type=Path)
    s.add_argument("nj", type=int)
    s.add_argument("split_dir", type=Path)
    s.add_argument("--speed-perturb", type=float, nargs="*", default=[])
    s.add_argument("--volume-perturb-db", type=float, nargs="*", default=[], help="LOW HIGH: a random gain per cut")
    c = sub.add_parser("compute")
    c.add_argument("in_cuts", type=Path)
    c.add_argument("feats_path", type=Path)
    c.add_argument("out_cuts", type=Path)
    m = sub.add_parser("combine")
    m.add_argument("out_cuts", type=Path)
    m.add_argument("inputs", type=Path, nargs="+")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(filename)s:%(lineno)d] %(message)s")
    if args.cmd == "split":
        split(args.in_cuts, args.nj, args.split_dir, args.speed_perturb, args.volume_perturb_db)
    elif args.cmd == "compute":
        compute(args.in_cuts, args.feats_path, args.out_cuts)
    else:
        combine_cuts(args.out_cuts, args.inputs)


if __name__ == "__main__":
    run_main(main)
