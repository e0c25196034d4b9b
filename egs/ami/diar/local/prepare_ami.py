#!/usr/bin/env python3
"""AMI multiple-distant-microphone audio (Array1, 8 mics, 10 cm radius) and reference speaker turns
as diarisation data directories, through lhotse's AMI recipe.

    local/prepare_ami.py --corpus-dir download/ami --output-dir data [--annotations-dir DIR]

CORPUS_DIR holds AMI's layout: <meeting>/audio/<meeting>.Array1-0{1..8}.wav and the annotations
ami_public_manual_1.6.2/ (or its zip). Writes data/{dev,test}/ (recordings.jsonl.gz, rttm built
from lhotse's word-level supervisions, array.json) and lhotse's own manifests under
data/manifests/.
"""
import argparse
import logging
from pathlib import Path

from lhotse import Recording, RecordingSet

from diarization.array import CircularArray
from diarization.data import write_diar_set
from diarization.rttm import Turn
from recipe_common.cli import run_main
from recipe_common.errors import InputError
from recipe_common.logging import setup_logger

ARRAY = CircularArray(num_mics=8, radius=0.1)  # mic k at 45k degrees, counter-clockwise (assumed order)


def array1_only(rec: Recording) -> Recording:
    """The recording with its Array1 channels only, numbered 0..7 in mic order."""
    sources = sorted((s for s in rec.sources if ".Array1-" in s.source), key=lambda s: s.source)
    if len(sources) != ARRAY.num_mics:
        where = sources[0].source if sources else rec.id
        raise InputError(f"{where}: meeting {rec.id} has {len(sources)} Array1 channels, expected {ARRAY.num_mics}")
    for i, s in enumerate(sources):
        s.channels = [i]
    return Recording(id=rec.id, sources=sources, sampling_rate=rec.sampling_rate, num_samples=rec.num_samples,
                     duration=rec.duration)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus-dir", required=True, type=Path)
    p.add_argument("--annotations-dir", type=Path, default=None)
    p.add_argument("--output-dir", default=Path("data"), type=Path)
    args = p.parse_args()
    setup_logger()
    from lhotse.recipes.ami import prepare_ami

    if not args.corpus_dir.is_dir():
        raise InputError(f"{args.corpus_dir}: corpus directory does not exist")
    if not any(args.corpus_dir.rglob("*.Array1-01.wav")):
        raise InputError(f"{args.corpus_dir}: no AMI array audio (<meeting>/audio/<meeting>.Array1-01.wav)")
    try:
        manifests = prepare_ami(args.corpus_dir, args.annotations_dir, args.output_dir / "manifests", mic="mdm",
                                partition="full-corpus")
    except (AssertionError, ValueError, FileNotFoundError) as e:  # lhotse checks with assert
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(f"{args.corpus_dir}: lhotse's AMI preparation failed: {reason}")
    for part in ("dev", "test"):
        recordings = RecordingSet.from_recordings(array1_only(r) for r in manifests[part]["recordings"])
        if len(recordings) == 0:
            raise InputError(f"{args.corpus_dir}: no AMI {part} meeting found (the full-corpus partition's lists)")
        turns = [Turn(s.recording_id, round(s.start, 3), round(s.duration, 3), s.speaker)
                 for s in manifests[part]["supervisions"]]
        write_diar_set(args.output_dir / part, recordings, turns, ARRAY)
        logging.info(f"{part}: {len(recordings)} meetings, {len(turns)} speaker turns")


if __name__ == "__main__":
    run_main(main)
