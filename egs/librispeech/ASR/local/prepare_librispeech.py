#!/usr/bin/env python3
"""LibriSpeech manifests with lhotse, combined into the recipe's train/dev/test cut sets.

    local/prepare_librispeech.py --corpus-dir download/LibriSpeech --output-dir data \
        --train-parts train-clean-100 --dev-part dev-clean --test-parts test-clean test-other

Writes data/manifests/librispeech_{recordings,supervisions}_<part>.jsonl.gz (lhotse's own)
and data/manifests/librispeech_cuts_{train,dev,<test part>}.jsonl.gz.
"""
import argparse
import logging
from pathlib import Path
from typing import List

from lhotse import CutSet
from lhotse.recipes import prepare_librispeech

from recipe_common.cli import run_main
from recipe_common.errors import InputError
from recipe_common.io import atomic_path


def check_parts(corpus_dir: Path, parts: List[str]) -> None:
    if not corpus_dir.is_dir():
        raise InputError(f"{corpus_dir}: corpus directory does not exist")
    for part in parts:
        part_dir = corpus_dir / part
        if not part_dir.is_dir():
            raise InputError(f"{part_dir}: LibriSpeech part missing (expected {part}/<speaker>/<chapter>/*.flac)")
        if not any(part_dir.rglob("*.trans.txt")):
            raise InputError(f"{part_dir}: no <speaker>-<chapter>.trans.txt transcripts")


def check_audio(cuts: CutSet, name: str) -> None:
    for cut in cuts:
        if cut.recording.num_samples == 0:
            raise InputError(f"{cut.recording.sources[0].source}: zero-length audio file")
    if len(cuts) == 0:
        raise InputError(f"{name}: no utterances with both audio and transcript")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus-dir", required=True, type=Path)
    p.add_argument("--output-dir", default=Path("data"), type=Path)
    p.add_argument("--train-parts", nargs="+", required=True)
    p.add_argument("--dev-part", required=True)
    p.add_argument("--test-parts", nargs="+", required=True)
    p.add_argument("--nj", type=int, default=2)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(filename)s:%(lineno)d] %(message)s")
    parts = args.train_parts + [args.dev_part] + args.test_parts
    check_parts(args.corpus_dir, parts)
    manifests_dir = args.output_dir / "manifests"
    try:
        manifests = prepare_librispeech(args.corpus_dir, dataset_parts=parts, output_dir=manifests_dir, num_jobs=args.nj)
    except Exception as e:  # soundfile errors on a corrupt .flac name no file; find it
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise InputError(f"{args.corpus_dir}: lhotse could not read the corpus ({type(e).__name__}: {first_line})")

    def cuts_of(part: str) -> CutSet:
        m = manifests[part]
        return CutSet.from_manifests(recordings=m["recordings"], supervisions=m["supervisions"])

    train = CutSet.from_cuts(cut for part in args.train_parts for cut in cuts_of(part))
    sets = {"train": train, "dev": cuts_of(args.dev_part)}
    sets.update({p: cuts_of(p) for p in args.test_parts})
    for name, cuts in sets.items():
        cuts = cuts.to_eager()
        check_audio(cuts, name)
        with atomic_path(manifests_dir / f"librispeech_cuts_{name}.jsonl.gz") as tmp:
            cuts.to_file(tmp)
        logging.info(f"{name}: {len(cuts)} utterances, {sum(c.duration for c in cuts) / 3600:.2f} h")


if __name__ == "__main__":
    run_main(main)
