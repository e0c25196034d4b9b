"""CMU AN4 (alphanumeric census speech) as a lhotse corpus, split as ESPnet's egs2/an4 does.

Layout (CMU's `an4_sphere.tar.gz` unpacks to it):

    an4/etc/an4_{train,test}.transcription   "<s> WORDS </s> (utt-id)" (train), "WORDS (utt-id)" (test)
    an4/etc/an4_{train,test}.fileids         "an4_clstk/<spk>/<utt-id>", line by line with the transcription
    an4/wav/an4_clstk/<spk>/<utt-id>.sph     train audio (an4test_clstk/ for test); .flac copies are read too

Utterance ids are ESPnet's `<spk>-<prefix>-<suffix>` (from `an251-fash-b`), sorted in C order; the first
100 of train are ESPnet's `train_dev` (our `dev`), the rest `train_nodev` (our `train`).

lhotse reads `.sph` only through the external `sph2pipe` binary, which no registry here ships; so SPHERE
files are decoded once with libsndfile (uncompressed PCM, as AN4's are) and stored as FLAC, lossless, under
`<output_dir>/flac/`; FLAC inputs are used in place.
"""
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import soundfile as sf
from lhotse import Recording, RecordingSet, SupervisionSegment, SupervisionSet

from recipe_common.download import download_tarball
from recipe_common.errors import InputError, raise_first_problem
from icefall_ext.data.manifests import Manifests
from recipe_common.io import atomic_path

AN4_URL = "http://www.speech.cs.cmu.edu/databases/an4/an4_sphere.tar.gz"
NUM_DEV_UTTERANCES = 100  # ESPnet's ndev_utt
AUDIO_SUFFIXES = (".sph", ".flac")
_SOURCES = {"train": "an4_clstk", "test": "an4test_clstk"}
_LINE = re.compile(r"^(?P<words>.*?)\s*\((?P<source>[^()\s]+)\)\s*$")




def download_an4(target_dir: Union[str, Path], url: str = AN4_URL) -> Path:
    """Fetches and unpacks CMU's SPHERE release into `target_dir/an4` (skipped if present)."""
    return download_tarball(url, Path(target_dir) / "an4", "etc/an4_train.transcription")


def parse_transcription(path: Path) -> List[Tuple[str, str]]:
    """(CMU utterance id, words) per line; `<s>`/`</s>` removed."""
    if not path.is_file():
        raise InputError(f"{path}: AN4 transcription does not exist")
    rows = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        m = _LINE.match(line)
        if m is None:
            raise InputError(f"{path}:{n}: expected 'WORDS (utterance-id)', got '{line.strip()}'")
        words = [w for w in m.group("words").split() if w not in ("<s>", "</s>")]
        if not words:
            raise InputError(f"{path}:{n}: empty transcript for {m.group('source')}")
        rows.append((m.group("source"), " ".join(words)))
    return rows


def parse_fileids(path: Path) -> List[str]:
    if not path.is_file():
        raise InputError(f"{path}: AN4 file list does not exist")
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def espnet_utterance_id(cmu_id: str, where: str) -> Tuple[str, str]:
    """`an251-fash-b` -> (`fash-an251-b`, speaker `fash`), as ESPnet's data_prep.py names them."""
    parts = cmu_id.split("-")
    if len(parts) != 3:
        raise InputError(f"{where}: utterance id '{cmu_id}' is not <prefix>-<speaker>-<suffix>")
    pre, spk, last = parts
    return f"{spk}-{pre}-{last}", spk


def find_audio(wav_dir: Path, fileid: str) -> Optional[Path]:
    for suffix in AUDIO_SUFFIXES:
        path = wav_dir / f"{fileid}{suffix}"
        if path.is_file():
            return path
    return None


def sphere_to_flac(sph: Path, flac: Path) -> None:
    """Decodes an uncompressed NIST SPHERE file with libsndfile and stores it as 16-bit FLAC."""
    try:
        samples, rate = sf.read(sph, dtype="int16")
    except (sf.LibsndfileError, RuntimeError) as e:
        raise InputError(f"{sph}: unreadable SPHERE file ({e})")
    with atomic_path(flac) as tmp:
        sf.write(tmp, samples, rate, format="FLAC", subtype="PCM_16")


def _split_manifests(
    corpus_dir: Path, split: str, flac_dir: Path
) -> Tuple[List[Recording], List[SupervisionSegment], List[str]]:
    """Recordings and supervisions of one CMU split, and the problems found (each one line)."""
    etc, wav_dir = corpus_dir / "etc", corpus_dir / "wav"
    trans_path, ids_path = etc / f"an4_{split}.transcription", etc / f"an4_{split}.fileids"
    transcripts, fileids = parse_transcription(trans_path), parse_fileids(ids_path)
    listed = {f.rsplit("/", 1)[-1]: f for f in fileids}
    transcribed = {cmu_id for cmu_id, _ in transcripts}
    problems = [f"{ids_path}: '{f}' has no transcript line in {trans_path}" for f in fileids if f.rsplit("/", 1)[-1] not in transcribed]
    recordings, supervisions = [], []
    for cmu_id, words in transcripts:
        fileid = listed.get(cmu_id)
        if fileid is None:
            problems.append(f"{trans_path}: '{cmu_id}' has no line in {ids_path}")
            continue
        audio = find_audio(wav_dir, fileid)
        if audio is None:
            problems.append(f"{wav_dir / fileid}.sph: listed in {trans_path} but absent (nor .flac)")
            continue
        utt, spk = espnet_utterance_id(cmu_id, str(trans_path))
        try:
            if audio.suffix == ".sph":
                target = flac_dir / f"{fileid}.flac"
                if not target.is_file():
                    sphere_to_flac(audio, target)
                audio = target
            recording = Recording.from_file(audio, recording_id=utt)
        except InputError as e:
            problems.append(str(e))
            continue
        except Exception as e:  # lhotse's own reader error names no file
            problems.append(f"{audio}: unreadable audio ({type(e).__name__})")
            continue
        recordings.append(recording)
        supervisions.append(
            SupervisionSegment(
                id=utt, recording_id=utt, start=0.0, duration=recording.duration, channel=0,
                text=words, speaker=spk, language="English",
            )
        )
    present = {p.stem for p in (wav_dir / _SOURCES[split]).glob("*/*") if p.suffix in AUDIO_SUFFIXES}
    problems += [
        f"{wav_dir / _SOURCES[split]}: audio '{cmu_id}' has no line in {trans_path}"
        for cmu_id in sorted(present - transcribed - set(listed))
    ]
    return recordings, supervisions, problems


def prepare_an4(
    corpus_dir: Union[str, Path], output_dir: Union[str, Path], num_dev: int = NUM_DEV_UTTERANCES
) -> Manifests:
    """Manifests of `train` (ESPnet's train_nodev), `dev` (train_dev: the first `num_dev` train
    utterances in C order) and `test`, as {part: {"recordings", "supervisions"}}.

    Every utterance is checked; each problem is logged, then the first is raised with the count."""
    corpus_dir, output_dir = Path(corpus_dir), Path(output_dir)
    if not (corpus_dir / "etc").is_dir():
        raise InputError(f"{corpus_dir}: not an AN4 folder (expected etc/an4_train.transcription and wav/)")
    parts: Dict[str, Tuple[List[Recording], List[SupervisionSegment]]] = {}
    problems: List[str] = []
    for split in ("train", "test"):
        recs, sups, found = _split_manifests(corpus_dir, split, output_dir / "flac")
        problems += found
        order = sorted(range(len(recs)), key=lambda i: recs[i].id.encode())
        parts[split] = ([recs[i] for i in order], [sups[i] for i in order])
    raise_first_problem(problems)
    train_recs, train_sups = parts.pop("train")
    if len(train_recs) <= num_dev:
        raise InputError(f"{corpus_dir}: {len(train_recs)} train utterances, too few to hold out {num_dev} for dev")
    parts["dev"] = (train_recs[:num_dev], train_sups[:num_dev])
    parts["train"] = (train_recs[num_dev:], train_sups[num_dev:])
    return {
        part: {"recordings": RecordingSet.from_recordings(r), "supervisions": SupervisionSet.from_segments(s)}
        for part, (r, s) in parts.items()
    }
