"""Speaker turns and the RTTM files that hold them (NIST's format, as Kaldi's diarisation writes it):

    SPEAKER <recording> <channel> <start> <duration> <NA> <NA> <speaker> <NA> <NA>
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Union

from recipe_common.errors import InputError
from recipe_common.io import write_text_atomic


@dataclass(frozen=True)
class Turn:
    recording: str
    start: float
    duration: float
    speaker: str

    @property
    def end(self) -> float:
        return self.start + self.duration


def read_rttm(path: Union[str, Path]) -> List[Turn]:
    """Every SPEAKER line of the file; a malformed line is an InputError naming file and line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: RTTM file does not exist")
    turns = []
    for no, line in enumerate(path.read_text().splitlines(), 1):
        fields = line.split()
        if not fields or fields[0] != "SPEAKER":
            continue
        try:
            if len(fields) < 8:
                raise ValueError("fewer than 8 fields")
            start, duration = float(fields[3]), float(fields[4])
            if start < 0 or duration <= 0:
                raise ValueError("negative start or non-positive duration")
        except ValueError as e:
            raise InputError(f"{path}:{no}: malformed RTTM line ({e})")
        turns.append(Turn(fields[1], start, duration, fields[7]))
    return turns


def format_rttm(turns: Iterable[Turn]) -> str:
    return "".join(f"SPEAKER {t.recording} 1 {t.start:.3f} {t.duration:.3f} <NA> <NA> {t.speaker} <NA> <NA>\n"
                   for t in sorted(turns, key=lambda t: (t.recording, t.start, t.speaker)))


def write_rttm(path: Union[str, Path], turns: Iterable[Turn]) -> None:
    write_text_atomic(path, format_rttm(turns))


def by_recording(turns: Iterable[Turn]) -> Dict[str, List[Turn]]:
    out: Dict[str, List[Turn]] = {}
    for t in turns:
        out.setdefault(t.recording, []).append(t)
    return out


def check_recordings(turns: Iterable[Turn], recordings: Iterable[str], where: str) -> None:
    """An RTTM naming a recording that the data does not have is an InputError."""
    known = set(recordings)
    missing = sorted({t.recording for t in turns} - known)
    if missing:
        raise InputError(f"{where}: refers to recording '{missing[0]}', which is not in the data"
                         + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
