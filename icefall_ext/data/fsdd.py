"""The Free Spoken Digit Dataset (FSDD) as a lhotse corpus.

Recordings are named `{digit}_{speaker}_{take}.wav` (or `.flac`, as in the embedded subset);
each holds one English digit. `download_fsdd` fetches the recordings from the public
repository; `prepare_fsdd` turns a folder of them into lhotse manifests.
"""
import logging
import re
import shutil
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import soundfile as sf
from lhotse import Recording, RecordingSet, SupervisionSegment, SupervisionSet

from recipe_common.errors import InputError

FSDD_COMMIT = "26eb9aaf76e81b692f806f9140c2d2777410d7a1"
FSDD_URL = f"https://github.com/Jakobovski/free-spoken-digit-dataset/archive/{FSDD_COMMIT}.zip"

DIGIT_WORDS = ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"]

_NAME = re.compile(r"^(?P<digit>\d)_(?P<speaker>[A-Za-z]+)_(?P<take>\d+)$")


@dataclass(frozen=True)
class DigitRecording:
    """One isolated spoken digit."""

    recording: Recording
    digit: int
    speaker: str
    take: int

    @property
    def word(self) -> str:
        return DIGIT_WORDS[self.digit]


def download_fsdd(target_dir: Union[str, Path], url: str = FSDD_URL) -> Path:
    """Downloads the FSDD recordings into `target_dir/recordings` (skipped if present)."""
    out = Path(target_dir) / "recordings"
    if out.is_dir() and any(out.glob("*.wav")):
        logging.info(f"{out} exists, skipping download")
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        archive = Path(tmp) / "fsdd.zip"
        logging.info(f"downloading {url}")
        urllib.request.urlretrieve(url, archive)
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.namelist() if "/recordings/" in m and m.endswith(".wav")]
            zf.extractall(tmp, members=members)
        extracted = next(Path(tmp).glob("*/recordings"))
        shutil.move(str(extracted), str(out))
    return out


def _check_audio(path: Path) -> None:
    try:
        info = sf.info(str(path))
    except Exception as e:  # soundfile raises several types for corrupt files
        raise InputError(f"{path}: unreadable audio file ({type(e).__name__}: {str(e).splitlines()[0]})")
    if info.frames == 0:
        raise InputError(f"{path}: zero-length audio file")


def scan_fsdd(corpus_dir: Union[str, Path]) -> List[DigitRecording]:
    """Finds and checks every recording in `corpus_dir` (searched recursively)."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise InputError(f"{corpus_dir}: corpus directory does not exist")
    paths = sorted(p for p in corpus_dir.rglob("*") if p.suffix in (".wav", ".flac"))
    items = []
    for path in paths:
        m = _NAME.match(path.stem)
        if m is None:
            continue
        _check_audio(path)
        rec = Recording.from_file(path, recording_id=path.stem)
        items.append(DigitRecording(rec, int(m["digit"]), m["speaker"], int(m["take"])))
    if not items:
        raise InputError(f"{corpus_dir}: no FSDD recordings ({{digit}}_{{speaker}}_{{take}}.wav) found")
    return items


def prepare_fsdd(
    corpus_dir: Union[str, Path], output_dir: Optional[Union[str, Path]] = None
) -> Dict[str, Union[RecordingSet, SupervisionSet]]:
    """Lhotse manifests of the isolated digits, as lhotse's own `prepare_*` recipes return."""
    return fsdd_manifests(scan_fsdd(corpus_dir), output_dir)


def fsdd_manifests(
    items: Sequence[DigitRecording], output_dir: Optional[Union[str, Path]] = None
) -> Dict[str, Union[RecordingSet, SupervisionSet]]:
    """Manifests of already scanned recordings, written to `output_dir` when given."""
    recordings = RecordingSet.from_recordings(it.recording for it in items)
    supervisions = SupervisionSet.from_segments(
        SupervisionSegment(
            id=it.recording.id,
            recording_id=it.recording.id,
            start=0.0,
            duration=it.recording.duration,
            channel=0,
            text=it.word,
            language="English",
            speaker=it.speaker,
        )
        for it in items
    )
    if output_dir is not None:
        output_dir = Path(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        recordings.to_file(output_dir / "fsdd_recordings_all.jsonl.gz")
        supervisions.to_file(output_dir / "fsdd_supervisions_all.jsonl.gz")
    return {"recordings": recordings, "supervisions": supervisions}


def speakers_of(items: Sequence[DigitRecording]) -> List[str]:
    return sorted({it.speaker for it in items})
