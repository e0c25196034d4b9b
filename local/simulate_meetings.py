#!/usr/bin/env python3
"""Simulates the meeting sets of a diarisation config from FSDD speech.

    local/simulate_meetings.py --corpus-dir local/fsdd_subset/recordings --config conf/tiny.yaml --output-dir data

Writes data/{dev,test}_{stationary,moving}/ (diarisation data directories: recordings.jsonl.gz,
rttm, array.json, trajectories/, and the meetings' wav files under wav/). Meetings already
rendered are kept, so an interrupted run resumes; a finished set is skipped.
"""
import argparse
import dataclasses
import json
import logging
from pathlib import Path

import numpy as np
from lhotse import Recording, RecordingSet

from icefall_ext.data.fsdd import scan_fsdd
from diarization.array import CircularArray
from diarization.config import DiarRecipeConfig
from diarization.data import write_diar_set
from diarization.rttm import read_rttm
from diarization.simulate import DigitBank, simulate_meeting
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.logging import Progress, setup_logger

CONDITIONS = ("stationary", "moving")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus-dir", required=True, type=Path)
    p.add_argument("--config", required=True)
    p.add_argument("--output-dir", default=Path("data"), type=Path)
    args = p.parse_args()
    setup_logger()
    cfg = load_config(args.config, DiarRecipeConfig).simulation
    items = scan_fsdd(args.corpus_dir)
    pool = sorted({it.speaker for it in items})
    if cfg.speakers:
        unknown = sorted(set(cfg.speakers) - set(pool))
        if unknown:
            raise InputError(f"{args.config}: speaker '{unknown[0]}' is not in {args.corpus_dir} "
                             f"(has: {', '.join(pool)})")
        pool = list(cfg.speakers)
    if len(pool) < cfg.meeting.speakers[0]:
        raise InputError(f"{args.corpus_dir}: {len(pool)} speakers, fewer than a meeting's {cfg.meeting.speakers[0]}")
    bank = DigitBank([it for it in items if it.speaker in pool], cfg.meeting.sample_rate)
    array = CircularArray(cfg.meeting.num_mics, cfg.meeting.radius)
    sets = [(f"{split}_{cond}", n, cond) for split, n in (("dev", cfg.dev_meetings), ("test", cfg.test_meetings))
            for cond in CONDITIONS]
    progress = Progress(sum(n for _, n, _ in sets))
    done = 0
    for s, (name, n, cond) in enumerate(sets):
        out = args.output_dir / name
        if (out / "recordings.jsonl.gz").is_file():
            logging.info(f"{out} exists, skipping")
            done += n
            continue
        meeting_cfg = dataclasses.replace(cfg.meeting, moving_fraction=cfg.moving_fraction if cond == "moving" else 0.0)
        recordings, turns, trajectories = [], [], {}
        for i in range(n):
            seed = cfg.seed * 100000 + s * 1000 + i
            rng = np.random.default_rng(seed)
            k = int(rng.integers(cfg.meeting.speakers[0], min(cfg.meeting.speakers[1], len(pool)) + 1))
            names = [str(x) for x in rng.choice(pool, size=k, replace=False)]
            meeting_id = f"{name}_{i:03d}"
            wav_dir = out / "wav"
            if not (wav_dir / f"{meeting_id}.json").is_file():
                simulate_meeting(meeting_id, names, bank, meeting_cfg, seed, wav_dir)
            info = json.loads((wav_dir / f"{meeting_id}.json").read_text())
            trajectories[meeting_id] = {"times": info["times"], "room": info["room"], "rt60": info["rt60"],
                                        "speakers": info["speakers"]}
            recordings.append(Recording.from_file(wav_dir / f"{meeting_id}.wav", recording_id=meeting_id))
            turns += read_rttm(wav_dir / f"{meeting_id}.rttm")
            done += 1
            logging.info(f"{meeting_id}: {k} speakers ({', '.join(names)}) | {progress.eta_str(done)}")
        write_diar_set(out, RecordingSet.from_recordings(recordings), turns, array, trajectories)


if __name__ == "__main__":
    run_main(main)
