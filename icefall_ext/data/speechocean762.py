"""speechocean762 (Mandarin-L1 speakers reading English; children and adults) as a lhotse corpus.

Layout (OpenSLR 101's `speechocean762.tar.gz` unpacks to it):

    speechocean762/{train,test}/{text,wav.scp,utt2spk,spk2utt,spk2age,spk2gender}   Kaldi data dirs
    speechocean762/WAVE/SPEAKERxxxx/<utt>.WAV     audio, named in wav.scp relative to speechocean762/
                                                  (any file soundfile reads: a .opus copy works the same)

Each data dir is validated as Kaldi's utils/validate_data_dir.sh would for what matters here
(`validate_kaldi_dir`), then imported through lhotse's `load_kaldi_data_dir`. That function reads
wav.scp paths relative to the current directory, so a validated copy of the dir, with every path
resolved against the corpus folder and the measured durations as `reco2dur`, is staged in a
temporary folder and imported from there; the working directory is never changed.

Parts: `test` is upstream's test dir. `dev` is held out of upstream's train dir by speaker, `train`
is the rest. The dev speakers are chosen without randomness: speakers aged 14 or less are children
(the corpus's children are 6 to 14; its 15-year-olds count as adults), everyone else adults; the
children supply ceil(n/2) of the n dev speakers and the adults floor(n/2). Within each group the
speakers are sorted by (age, speaker id) and the k picked are those at positions
floor((i + 1/2) * size / k), i = 0..k-1: evenly spread over the group's ages. The choice depends only
on spk2age, not on the order of any file's lines.

Supervisions carry the speaker, the gender of spk2gender (`m`/`f`) and the speaker's age as
`custom={"age": int}`; the text is that of `text` (uppercase words).
"""
import math
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Set, Tuple, Union

from lhotse import RecordingSet, SupervisionSet
from lhotse.kaldi import load_kaldi_data_dir
from lhotse.utils import fastcopy

from icefall_ext.data.kaldi_dir import check_audio, check_spk2utt, missing_keys, read_mapping, write_mapping
from icefall_ext.data.manifests import Manifests
from recipe_common.download import download_tarball
from recipe_common.errors import InputError, raise_first_problem

SPEECHOCEAN762_URL = "https://www.openslr.org/resources/101/speechocean762.tar.gz"
SAMPLING_RATE = 16000
MAX_CHILD_AGE = 14
NUM_DEV_SPEAKERS = 10  # 5 children + 5 adults: 200 of upstream train's 2,500 utterances
SPLITS = ("train", "test")
KALDI_FILES = ("text", "wav.scp", "utt2spk", "spk2utt", "spk2age", "spk2gender")


def download_speechocean762(target_dir: Union[str, Path], url: str = SPEECHOCEAN762_URL) -> Path:
    """Fetches and unpacks OpenSLR 101 into `target_dir/speechocean762` (skipped if present)."""
    return download_tarball(url, Path(target_dir) / "speechocean762", "train/wav.scp")


def is_child(age: int) -> bool:
    return age <= MAX_CHILD_AGE


@dataclass
class KaldiDir:
    """One validated Kaldi data dir: its mappings, the resolved audio paths and their durations."""

    path: Path
    text: Dict[str, str] = field(default_factory=dict)
    wav: Dict[str, Path] = field(default_factory=dict)
    utt2spk: Dict[str, str] = field(default_factory=dict)
    spk2age: Dict[str, int] = field(default_factory=dict)
    spk2gender: Dict[str, str] = field(default_factory=dict)
    durations: Dict[str, float] = field(default_factory=dict)


def validate_kaldi_dir(corpus_dir: Path, split: str) -> Tuple[KaldiDir, List[str]]:
    """Reads `corpus_dir/split` and checks it as utils/validate_data_dir.sh does for what this corpus
    needs: every file present, no repeated key, text/wav.scp/utt2spk on the same utterances,
    spk2utt the inverse of utt2spk, spk2age (integer ages) and spk2gender (m/f) on utt2spk's
    speakers, every audio file present and readable. Returns the dir and its problems (one line each)."""
    d = corpus_dir / split
    problems: List[str] = []
    read = {name: read_mapping(d / name, problems) for name in KALDI_FILES if name != "spk2utt"}
    maps = {name: r[0] if r else None for name, r in read.items()}
    lines = {name: r[1] if r else None for name, r in read.items()}
    for a, b in (("text", "wav.scp"), ("text", "utt2spk"), ("wav.scp", "text"), ("utt2spk", "text"),
                 ("wav.scp", "utt2spk"), ("utt2spk", "wav.scp")):
        problems += missing_keys(d / a, lines[a], d / b, maps[b], "utterance")
    kd = KaldiDir(path=d)
    if maps["utt2spk"] is not None:
        kd.utt2spk = maps["utt2spk"]
        check_spk2utt(d, kd.utt2spk, problems)
        speakers: Dict[str, int] = {}
        for utt, spk in kd.utt2spk.items():
            speakers.setdefault(spk, lines["utt2spk"][utt])
        for name in ("spk2age", "spk2gender"):
            problems += missing_keys(d / "utt2spk", speakers, d / name, maps[name], "speaker")
            problems += missing_keys(d / name, lines[name], d / "utt2spk", speakers, "speaker")
    for spk, age in (maps["spk2age"] or {}).items():
        if age.isdigit():
            kd.spk2age[spk] = int(age)
        else:
            problems.append(f"{d / 'spk2age'}:{lines['spk2age'][spk]}: age of speaker '{spk}' is '{age}', not a whole number")
    for spk, gender in (maps["spk2gender"] or {}).items():
        if gender not in ("m", "f"):
            problems.append(f"{d / 'spk2gender'}:{lines['spk2gender'][spk]}: gender of speaker '{spk}' is '{gender}', not m or f")
    kd.spk2gender = maps["spk2gender"] or {}
    kd.text = maps["text"] or {}
    if maps["wav.scp"] is not None:
        kd.wav, kd.durations = check_audio(corpus_dir, d / "wav.scp", read["wav.scp"], SAMPLING_RATE, problems)
    return kd, problems


def import_kaldi_dir(kd: KaldiDir) -> Tuple[RecordingSet, SupervisionSet]:
    """lhotse's Kaldi import of a validated dir (absolute audio paths, exact durations), sorted by id;
    supervisions gain `custom={"age": ...}` and language English."""
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp)
        write_mapping(staged / "wav.scp", kd.wav)
        write_mapping(staged / "reco2dur", {u: repr(d) for u, d in kd.durations.items()})
        write_mapping(staged / "text", kd.text)
        write_mapping(staged / "utt2spk", kd.utt2spk)
        write_mapping(staged / "utt2lang", {u: "English" for u in kd.utt2spk})
        write_mapping(staged / "spk2gender", kd.spk2gender)
        recordings, supervisions, _ = load_kaldi_data_dir(staged, sampling_rate=SAMPLING_RATE)
    supervisions = [fastcopy(s, custom={"age": kd.spk2age[s.speaker]}) for s in supervisions]
    return (
        RecordingSet.from_recordings(sorted(recordings, key=lambda r: r.id.encode())),
        SupervisionSet.from_segments(sorted(supervisions, key=lambda s: s.id.encode())),
    )


def _spread(speakers: List[Tuple[int, str]], k: int) -> List[str]:
    ordered = sorted(speakers)
    return [ordered[math.floor((i + 0.5) * len(ordered) / k)][1] for i in range(k)]


def choose_dev_speakers(spk2age: Dict[str, int], num_dev_speakers: int, where: Path) -> Set[str]:
    """The module docstring's rule: ceil(n/2) children and floor(n/2) adults, spread over the ages."""
    children = [(age, spk) for spk, age in spk2age.items() if is_child(age)]
    adults = [(age, spk) for spk, age in spk2age.items() if not is_child(age)]
    chosen: Set[str] = set()
    for group, name, k in ((children, f"children (age <= {MAX_CHILD_AGE})", num_dev_speakers - num_dev_speakers // 2),
                           (adults, f"adults (age > {MAX_CHILD_AGE})", num_dev_speakers // 2)):
        if len(group) <= k:
            raise InputError(f"{where}: {len(group)} {name}, too few to hold out {k} for dev and train on the rest")
        if k:
            chosen |= set(_spread(group, k))
    return chosen


def age_groups(supervisions: SupervisionSet) -> Counter:
    """Speakers per group: Counter({"children": ..., "adults": ...})."""
    ages = {s.speaker: s.custom["age"] for s in supervisions}
    return Counter("children" if is_child(a) else "adults" for a in ages.values())


def prepare_speechocean762(corpus_dir: Union[str, Path], num_dev_speakers: int = NUM_DEV_SPEAKERS) -> Manifests:
    """Manifests of `train` (upstream train minus the dev speakers), `dev` (`num_dev_speakers` train
    speakers, the module docstring's rule) and `test`, as {part: {"recordings", "supervisions"}}.

    Both Kaldi dirs are checked in full; each problem is logged, then the first is raised with the count."""
    corpus_dir = Path(corpus_dir)
    if not all((corpus_dir / s).is_dir() for s in SPLITS):
        raise InputError(f"{corpus_dir}: not a speechocean762 folder (expected the Kaldi data dirs train/ and test/)")
    if num_dev_speakers < 1:
        raise InputError(f"num_dev_speakers is {num_dev_speakers}; at least 1 speaker is needed for dev")
    dirs: Dict[str, KaldiDir] = {}
    problems: List[str] = []
    for split in SPLITS:
        dirs[split], found = validate_kaldi_dir(corpus_dir, split)
        problems += found
    raise_first_problem(problems)
    overlap = set(dirs["train"].utt2spk) & set(dirs["test"].utt2spk)
    if overlap:
        raise InputError(f"{corpus_dir}: {len(overlap)} utterance ids are in both train/ and test/, e.g. '{min(overlap)}'")
    dev_speakers = choose_dev_speakers(dirs["train"].spk2age, num_dev_speakers, dirs["train"].path / "spk2age")
    train_recs, train_sups = import_kaldi_dir(dirs["train"])
    test_recs, test_sups = import_kaldi_dir(dirs["test"])
    parts = {}
    for part, in_dev in (("train", False), ("dev", True)):
        sups = [s for s in train_sups if (s.speaker in dev_speakers) == in_dev]
        ids = {s.recording_id for s in sups}
        parts[part] = {
            "recordings": RecordingSet.from_recordings(r for r in train_recs if r.id in ids),
            "supervisions": SupervisionSet.from_segments(sups),
        }
    parts["test"] = {"recordings": test_recs, "supervisions": test_sups}
    return parts
