"""Kaldi data directories (wav.scp, text, utt2spk, spk2utt, segments) from lhotse cuts and back.

Writing: one utterance per single-supervision cut, keyed by its supervision's id, so that lhotse's
import gives back the same supervisions. Where every utterance is a whole recording of the same id,
wav.scp is keyed by utterance and there is no `segments` (Kaldi's layout without segments);
otherwise wav.scp is keyed by recording and `segments` holds each utterance's `<utt> <recording>
<start> <end>` in seconds, as Kaldi's extract-segments reads it.

Reading: a user's Kaldi data dir, with or without `segments`, is checked as Kaldi's
utils/validate_data_dir.sh and extract-segments would for what the import needs (each problem one
line naming file and line), then imported through lhotse's `load_kaldi_data_dir` from a staged copy
whose wav.scp holds resolved paths and whose reco2dur holds the measured durations (a dir without
`segments` is staged with Kaldi's whole-file segments, `<utt> <utt> 0 -1`, so that both take one
path through lhotse, whose text reader for that path rejects empty transcripts). Relative wav.scp
paths are relative to `audio_root`: by default the current directory, as in Kaldi, where they are
relative to the recipe folder. Piped commands (`... |`) are not supported."""
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import soundfile as sf
from lhotse import CutSet, RecordingSet, SupervisionSet
from lhotse.kaldi import load_kaldi_data_dir

from recipe_common.errors import InputError, raise_first_problem
from recipe_common.io import write_text_atomic

MAX_OVERSHOOT = 0.5  # s a segment may end after its recording (extract-segments' --max-overshoot)
Mapping = Tuple[Dict[str, str], Dict[str, int]]  # {key: rest of line}, {key: line number}


def write_mapping(path: Path, mapping: Dict[str, object]) -> None:
    """`<key> <value>` lines sorted by key as Kaldi requires (LC_ALL=C), written atomically."""
    write_text_atomic(path, "".join(f"{k} {v}\n" for k, v in sorted(mapping.items(), key=lambda kv: kv[0].encode())))


def write_kaldi_data_dir(cuts: CutSet, out_dir: Union[str, Path]) -> None:
    """The module docstring's layout. An utterance spans its cut's first supervision, clipped to the
    cut, in recording time."""
    out_dir = Path(out_dir)
    utts = {}
    for c in cuts:
        sup = c.supervisions[0]
        if sup.id in utts:
            raise InputError(f"{out_dir}: two cuts hold supervision '{sup.id}'; a Kaldi utterance id must be unique")
        utts[sup.id] = (c.recording, c.start + max(sup.start, 0.0), c.start + min(sup.end, c.duration), sup)
    whole = all(u == rec.id and max(abs(s), abs(e - rec.duration)) < 0.5 / rec.sampling_rate
                for u, (rec, s, e, _) in utts.items())
    if whole:
        write_mapping(out_dir / "wav.scp", {u: rec.sources[0].source for u, (rec, *_) in utts.items()})
        (out_dir / "segments").unlink(missing_ok=True)
    else:
        write_mapping(out_dir / "wav.scp", {rec.id: rec.sources[0].source for rec, *_ in utts.values()})
        write_mapping(out_dir / "segments", {u: f"{rec.id} {round(s, 6)!r} {round(e, 6)!r}" for u, (rec, s, e, _) in utts.items()})
    write_mapping(out_dir / "text", {u: sup.text or "" for u, (*_, sup) in utts.items()})
    write_mapping(out_dir / "utt2spk", {u: sup.speaker for u, (*_, sup) in utts.items()})
    spk2utt: Dict[str, List[str]] = {}
    for u in sorted(utts, key=str.encode):
        spk2utt.setdefault(utts[u][3].speaker, []).append(u)
    write_mapping(out_dir / "spk2utt", {s: " ".join(us) for s, us in spk2utt.items()})


def read_mapping(path: Path, problems: List[str], allow_empty: bool = False) -> Optional[Mapping]:
    """The file's keys and values with their line numbers, or None if it is missing; a missing file,
    a line without a value (unless `allow_empty`, as for `text`) and a repeated key are problems."""
    if not path.is_file():
        problems.append(f"{path}: does not exist")
        return None
    mapping: Dict[str, str] = {}
    lines: Dict[str, int] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.strip().split(maxsplit=1)
        if len(parts) < 2 and not allow_empty:
            problems.append(f"{path}:{n}: '{parts[0]}' has no value")
            continue
        key, value = parts[0], parts[1] if len(parts) > 1 else ""
        if key in lines:
            problems.append(f"{path}:{n}: duplicate key '{key}' (first on line {lines[key]})")
            continue
        mapping[key], lines[key] = value, n
    return mapping, lines


def missing_keys(src: Path, keys: Optional[Dict[str, int]], other: Path, other_keys: Optional[Dict], what: str) -> List[str]:
    """A problem for each key of `src` absent from `other` (nothing when either file is missing)."""
    if keys is None or other_keys is None:
        return []
    return [f"{src}:{n}: {what} '{k}' has no entry in {other}" for k, n in keys.items() if k not in other_keys]


def check_spk2utt(d: Path, utt2spk: Dict[str, str], problems: List[str]) -> None:
    """spk2utt must list exactly utt2spk's utterances, each once, under utt2spk's speaker."""
    read = read_mapping(d / "spk2utt", problems)
    if read is None:
        return
    spk2utt, lines = read
    seen: Dict[str, Tuple[str, int]] = {}
    for spk, utts in spk2utt.items():
        n = lines[spk]
        for utt in utts.split():
            if utt in seen:
                first_spk, first_line = seen[utt]
                problems.append(
                    f"{d / 'spk2utt'}:{n}: utterance '{utt}' listed again (first under speaker '{first_spk}' on line {first_line})"
                )
                continue
            seen[utt] = (spk, n)
            if utt not in utt2spk:
                problems.append(f"{d / 'spk2utt'}:{n}: utterance '{utt}' of speaker '{spk}' is not in {d / 'utt2spk'}")
            elif utt2spk[utt] != spk:
                problems.append(
                    f"{d / 'spk2utt'}:{n}: speaker '{spk}' lists utterance '{utt}', which {d / 'utt2spk'} gives to '{utt2spk[utt]}'"
                )
    problems += [
        f"{d / 'spk2utt'}: utterance '{utt}' of speaker '{spk}' in {d / 'utt2spk'} is not listed"
        for utt, spk in utt2spk.items() if utt not in seen
    ]


def check_audio(
    audio_root: Path, scp: Path, read: Mapping, sampling_rate: int, problems: List[str]
) -> Tuple[Dict[str, Path], Dict[str, float]]:
    """Resolved paths and durations of the wav.scp entries whose audio exists and is readable mono at
    `sampling_rate`; a problem for each that is not."""
    entries, lines = read
    paths: Dict[str, Path] = {}
    durations: Dict[str, float] = {}
    for key, value in entries.items():
        where = f"{scp}:{lines[key]}"
        if value.rstrip().endswith("|"):
            problems.append(f"{where}: '{key}' is a piped command; only audio file paths are supported")
            continue
        path = Path(value.strip())
        path = path if path.is_absolute() else audio_root / path
        if not path.is_file():
            problems.append(f"{where}: audio of '{key}' does not exist: {path}")
            continue
        try:
            info = sf.info(str(path))
        except (sf.LibsndfileError, RuntimeError) as e:
            problems.append(f"{where}: audio of '{key}' is unreadable: {path} ({str(e).splitlines()[0]})")
            continue
        if info.samplerate != sampling_rate or info.channels != 1 or info.frames == 0:
            problems.append(
                f"{where}: audio of '{key}' is {info.channels} channel(s), {info.samplerate} Hz, {info.frames} samples; "
                f"expected mono {sampling_rate} Hz speech: {path}"
            )
            continue
        paths[key], durations[key] = path.resolve(), info.frames / info.samplerate
    return paths, durations


def _check_segments(path: Path, read: Mapping, durations: Dict[str, float], recordings: Dict, problems: List[str]) -> Dict[str, str]:
    """`<recording> <start> <end> [<channel>]` of each segment, with extract-segments' rules: an end
    of -1 runs to the end of the file, an end less than MAX_OVERSHOOT after it is cut back to it;
    the channel, if given, is 0 (the audio is mono)."""
    staged = {}
    for utt, value in read[0].items():
        where = f"{path}:{read[1][utt]}"
        fields = value.split()
        try:
            if len(fields) not in (3, 4) or fields[3:] not in ([], ["0"]):
                raise ValueError("expected '<utt> <recording> <start> <end> [0]'")
            rec, start, end = fields[0], float(fields[1]), float(fields[2])
        except ValueError as e:
            problems.append(f"{where}: malformed segment '{utt}' ({e})")
            continue
        if rec not in recordings:
            problems.append(f"{where}: segment '{utt}' is of recording '{rec}', which has no entry in {path.parent / 'wav.scp'}")
            continue
        if rec not in durations:
            continue  # its audio is already a problem
        end = durations[rec] if end == -1 else end
        if start < 0 or end <= start:
            problems.append(f"{where}: segment '{utt}' has start {fields[1]} and end {fields[2]}; expected 0 <= start < end")
        elif start >= durations[rec] or end >= durations[rec] + MAX_OVERSHOOT:
            problems.append(f"{where}: segment '{utt}' ({start:g} to {end:g} s) is not within its recording '{rec}' "
                            f"({durations[rec]:g} s)")
        else:
            staged[utt] = f"{rec} {start!r} {min(end, durations[rec])!r}"
    return staged


def load_kaldi_dir(
    data_dir: Union[str, Path], sampling_rate: int, audio_root: Optional[Path] = None
) -> Tuple[RecordingSet, SupervisionSet]:
    """A user's Kaldi data dir (wav.scp, text, utt2spk; spk2utt, segments and spk2gender if present)
    as lhotse manifests sorted by id; all problems are logged and the first raised (InputError)."""
    d = Path(data_dir)
    if not d.is_dir():
        raise InputError(f"{d}: Kaldi data dir does not exist")
    problems: List[str] = []
    wav = read_mapping(d / "wav.scp", problems)
    text = read_mapping(d / "text", problems, allow_empty=True)
    utt2spk = read_mapping(d / "utt2spk", problems)
    segments = read_mapping(d / "segments", problems) if (d / "segments").exists() else None
    utts_file, utts = (d / "segments", segments) if (d / "segments").exists() else (d / "wav.scp", wav)
    for name, read in (("text", text), ("utt2spk", utt2spk)):
        if read is not None and utts is not None:
            problems += missing_keys(utts_file, utts[1], d / name, read[0], "utterance")
            problems += missing_keys(d / name, read[1], utts_file, utts[0], "utterance")
    if utt2spk is not None and (d / "spk2utt").exists():
        check_spk2utt(d, utt2spk[0], problems)
    genders = read_mapping(d / "spk2gender", problems) if (d / "spk2gender").exists() else None
    if genders is not None and utt2spk is not None:
        speakers = {spk: utt2spk[1][utt] for utt, spk in utt2spk[0].items()}
        problems += missing_keys(d / "utt2spk", speakers, d / "spk2gender", genders[0], "speaker")
    paths, durations = check_audio(audio_root or Path.cwd(), d / "wav.scp", wav, sampling_rate, problems) if wav else ({}, {})
    if segments is not None and wav is not None:
        staged_segments = _check_segments(d / "segments", segments, durations, wav[0], problems)
    else:
        staged_segments = {u: f"{u} 0 -1" for u in paths}
    raise_first_problem(problems)
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp)
        write_mapping(staged / "wav.scp", paths)
        write_mapping(staged / "reco2dur", {r: repr(t) for r, t in durations.items()})
        write_mapping(staged / "segments", staged_segments)
        write_mapping(staged / "text", text[0])
        write_mapping(staged / "utt2spk", utt2spk[0])
        if genders is not None:
            write_mapping(staged / "spk2gender", genders[0])
        recordings, supervisions, _ = load_kaldi_data_dir(staged, sampling_rate=sampling_rate)
    return (
        RecordingSet.from_recordings(sorted(recordings, key=lambda r: r.id.encode())),
        SupervisionSet.from_segments(sorted(supervisions, key=lambda s: s.id.encode())),
    )


def read_wav_scp(path: Union[str, Path]) -> List[Tuple[str, Path]]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: wav.scp does not exist")
    entries = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or parts[1].rstrip().endswith("|"):
            raise InputError(f"{path}:{n}: expected '<utt-id> <wav path>' (piped commands are not supported)")
        entries.append((parts[0], Path(parts[1].strip())))
    if not entries:
        raise InputError(f"{path}: wav.scp is empty")
    return entries
