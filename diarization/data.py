"""A diarisation data directory, the same for simulated meetings and AMI:

    <dir>/recordings.jsonl.gz   lhotse RecordingSet (multichannel array audio)
    <dir>/rttm                  reference turns
    <dir>/array.json            the array geometry (CircularArray fields)
    <dir>/trajectories/<id>.json  true speaker azimuths over time (simulated meetings only)

Loading checks what the diarisers rely on: every recording has the array's channel count and some
speech, and the RTTM names no recording the set lacks.
"""
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
from lhotse import Recording, RecordingSet

from diarization.array import CircularArray
from diarization.rttm import Turn, by_recording, check_recordings, read_rttm, write_rttm
from recipe_common.errors import InputError
from recipe_common.io import atomic_path, write_text_atomic


@dataclass
class DiarSet:
    name: str
    recordings: Dict[str, Recording]
    turns: Dict[str, List[Turn]]
    array: CircularArray
    trajectories: Dict[str, Dict]  # recording -> {"times": [...], "speakers": {name: {"azimuth": [...]}}}

    def audio(self, recording_id: str) -> np.ndarray:
        """[channels, samples] float audio."""
        return self.recordings[recording_id].load_audio()


def write_diar_set(out_dir: Path, recordings: RecordingSet, turns: List[Turn], array: CircularArray,
                   trajectories: Optional[Dict[str, Dict]] = None) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_dir / "array.json", json.dumps(asdict(array)))
    for rec_id, info in (trajectories or {}).items():
        write_text_atomic(out_dir / "trajectories" / f"{rec_id}.json", json.dumps(info))
    write_rttm(out_dir / "rttm", turns)
    with atomic_path(out_dir / "recordings.jsonl.gz") as tmp:
        recordings.to_file(tmp)


def load_diar_set(data_dir: Path) -> DiarSet:
    data_dir = Path(data_dir)
    for name in ("recordings.jsonl.gz", "rttm", "array.json"):
        if not (data_dir / name).is_file():
            raise InputError(f"{data_dir / name}: does not exist (prepare the data first)")
    array = CircularArray(**json.loads((data_dir / "array.json").read_text()))
    recordings = {r.id: r for r in RecordingSet.from_file(data_dir / "recordings.jsonl.gz")}
    turns = read_rttm(data_dir / "rttm")
    check_recordings(turns, recordings, str(data_dir / "rttm"))
    grouped = by_recording(turns)
    for rec_id, rec in recordings.items():
        array.check_channels(rec.num_channels, f"{rec.sources[0].source if rec.sources else rec_id}")
        if not grouped.get(rec_id):
            raise InputError(f"{data_dir / 'rttm'}: recording '{rec_id}' has no speech (an empty meeting)")
        if rec.duration <= 0:
            raise InputError(f"{rec_id}: zero-length recording")
    trajectories = {}
    for rec_id in recordings:
        path = data_dir / "trajectories" / f"{rec_id}.json"
        if path.is_file():
            trajectories[rec_id] = json.loads(path.read_text())
    return DiarSet(data_dir.name, recordings, grouped, array, trajectories)
