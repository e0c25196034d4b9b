"""A deterministic connected-digit corpus built from isolated FSDD recordings.

Each utterance is 3-7 digits of one speaker, resampled to 16 kHz and joined with short
random pauses; its transcript is the digit words ("SEVEN TWO NINE") and its supervision
carries word alignments. Splits keep takes apart (train/dev/test use disjoint takes of the
training speakers) and a speaker-open test uses only speakers never seen in training.

Audio users really have is covered too: a share of train/dev utterances say their digits with
no pause (edges trimmed, neighbours cross-faded, as fluent speech runs digits together), and a
share hold no digit at all (coloured noise from near-digital silence to a noisy room, with an
empty transcript, so that the model learns to emit nothing). Each condition is also a test set
of its own: test_nopause, test_silence, and test_quiet / test_open_quiet (test and test_open
attenuated by `quiet_gain_db`, written again as 16-bit files, as a quiet recording would be).
"""
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import soundfile as sf
from lhotse import CutSet, Recording, RecordingSet, SupervisionSegment, SupervisionSet
from lhotse.supervision import AlignmentItem
from tqdm import tqdm

from icefall_ext.data.audio import frame_energies_db
from icefall_ext.data.fsdd import DigitRecording, speakers_of
from icefall_ext.data.noise import coloured_noise
from recipe_common.errors import InputError

SPLITS = ("train", "dev", "test", "test_open", "test_nopause", "test_silence")  # each drawn on its own
QUIET_SPLITS = {"test_quiet": "test", "test_open_quiet": "test_open"}  # attenuated copies of these


@dataclass
class ConnectedDigitsConfig:
    name: str = "connected_digits"  # the `corpus:` section's type (icefall_ext.asr_config.CORPUS_SECTIONS)
    test_speakers: List[str] = field(default_factory=lambda: ["nicolas"])
    dev_takes: Tuple[int, int] = (5, 9)  # inclusive range of take indices
    test_takes: Tuple[int, int] = (0, 4)  # FSDD's own test convention
    num_utterances: Dict[str, int] = field(
        default_factory=lambda: {"train": 1500, "dev": 100, "test": 200, "test_open": 200, "test_nopause": 200,
                                 "test_silence": 50}
    )
    min_digits: int = 3
    max_digits: int = 7
    min_pause: float = 0.05
    max_pause: float = 0.40
    edge_silence: Tuple[float, float] = (0.10, 0.30)
    noise_floor: float = 3e-4  # std of the background noise in pauses, so that gaps are not digital zero
    # Shares of train and dev utterances without pauses and without digits (the rest: pauses as above).
    no_pause_share: float = 0.2
    silence_share: float = 0.05
    crossfade: Tuple[float, float] = (0.0, 0.05)  # overlap of neighbouring digits without pause (s)
    silence_duration: Tuple[float, float] = (0.3, 3.0)
    silence_level_db: Tuple[float, float] = (-100.0, -40.0)  # RMS of digit-free utterances, dBFS
    quiet_gain_db: float = -20.0  # test_quiet, test_open_quiet
    # test_long (the recipe's stage 9): one speaker's test utterances joined into files of min-max
    # seconds; a small test set (the CI config's) needs shorter ones
    long_file_duration: Tuple[float, float] = (20.0, 36.0)
    sample_rate: int = 16000
    seed: int = 1234

    def __post_init__(self):
        missing = [s for s in SPLITS if self.num_utterances.get(s, 0) <= 0]
        if missing:
            raise ValueError(f"num_utterances needs a positive count for every split ({', '.join(SPLITS)}); "
                             f"missing or zero: {', '.join(missing)}")
        if self.no_pause_share < 0 or self.silence_share < 0 or self.no_pause_share + self.silence_share > 1:
            raise ValueError("no_pause_share and silence_share must be >= 0 and sum to at most 1")


def _in_range(take: int, r: Sequence[int]) -> bool:
    return r[0] <= take <= r[1]


def split_sources(items: Sequence[DigitRecording], cfg: ConnectedDigitsConfig) -> Dict[str, List[DigitRecording]]:
    """Which isolated recordings each split may draw from."""
    speakers = speakers_of(items)
    unknown = [s for s in cfg.test_speakers if s not in speakers]
    if unknown:
        raise InputError(
            f"--test-speakers: {', '.join(unknown)} not in the corpus (speakers present: {', '.join(speakers)})"
        )
    train_speakers = [s for s in speakers if s not in cfg.test_speakers]
    if not train_speakers:
        raise InputError("--test-speakers: names every speaker of the corpus; none is left for training")
    closed = [it for it in items if it.speaker in train_speakers]
    sources = {
        "train": [it for it in closed if not _in_range(it.take, cfg.dev_takes) and not _in_range(it.take, cfg.test_takes)],
        "dev": [it for it in closed if _in_range(it.take, cfg.dev_takes)],
        "test": [it for it in closed if _in_range(it.take, cfg.test_takes)],
        "test_open": [it for it in items if it.speaker in cfg.test_speakers],
    }
    sources["test_nopause"] = sources["test"]
    for split, src in sources.items():
        if not src:
            raise InputError(f"split '{split}' has no recordings with the chosen speakers and takes")
    return sources


class _AudioCache:
    """Each isolated recording resampled once."""

    def __init__(self, sample_rate: int):
        self.sample_rate = sample_rate
        self._cache: Dict[str, np.ndarray] = {}

    def __call__(self, rec: Recording) -> np.ndarray:
        if rec.id not in self._cache:
            self._cache[rec.id] = rec.resample(self.sample_rate).load_audio()[0]
        return self._cache[rec.id]


def _trim(x: np.ndarray, sr: int, range_db: float = 25.0) -> np.ndarray:
    """An isolated digit from its first to its last 10 ms frame within `range_db` of its loudest."""
    hop = sr // 100
    if len(x) < hop:
        return x
    energy = frame_energies_db(x, hop)
    voiced = np.flatnonzero(energy > energy.max() - range_db)
    return x[voiced[0] * hop: min(len(x), (voiced[-1] + 1) * hop)]


def join_with_gaps(pieces: List[np.ndarray], gaps: List[float], sr: int) -> Tuple[np.ndarray, List[int]]:
    """pieces[0], gaps[0] s of zeros, pieces[1], ... and the start sample of each piece. A negative
    gap overlaps two neighbours by that much (at most half the shorter one) with a linear cross-fade."""
    starts, end = [], 0
    for i, x in enumerate(pieces):
        if i == 0:
            start = 0
        else:
            gap = int(round(gaps[i - 1] * sr))
            start = end + max(gap, -min(len(x), len(pieces[i - 1])) // 2)
        starts.append(start)
        end = start + len(x)
    out = np.zeros(end, dtype=np.float32)
    for i, x in enumerate(pieces):
        x = x.astype(np.float32).copy()
        if i > 0 and starts[i] < starts[i - 1] + len(pieces[i - 1]):  # fade in over the overlap
            n = starts[i - 1] + len(pieces[i - 1]) - starts[i]
            x[:n] *= np.linspace(0.0, 1.0, n, endpoint=False, dtype=np.float32)
        if i + 1 < len(pieces) and starts[i + 1] < starts[i] + len(x):  # fade out under the next one
            n = starts[i] + len(x) - starts[i + 1]
            x[len(x) - n:] *= np.linspace(1.0, 0.0, n, endpoint=False, dtype=np.float32)
        out[starts[i]: starts[i] + len(x)] += x
    return out, starts


def _digits_utterance(
    rng: random.Random, pool: List[DigitRecording], audio: _AudioCache, cfg: ConnectedDigitsConfig, no_pause: bool
) -> Tuple[np.ndarray, List[AlignmentItem]]:
    sr = cfg.sample_rate
    n = rng.randint(cfg.min_digits, cfg.max_digits)
    chosen = [rng.choice(pool) for _ in range(n)]
    digits = [_trim(audio(it.recording), sr) if no_pause else audio(it.recording) for it in chosen]
    if no_pause:
        gaps = [-rng.uniform(*cfg.crossfade) for _ in range(n - 1)]
    else:
        gaps = [rng.uniform(cfg.min_pause, cfg.max_pause) for _ in range(n - 1)]
    edges = [np.zeros(int(round(rng.uniform(*cfg.edge_silence) * sr)), dtype=np.float32) for _ in range(2)]
    wav, starts = join_with_gaps(digits, gaps, sr)
    wav = np.concatenate([edges[0], wav, edges[1]])
    ali = [AlignmentItem(symbol=it.word, start=round((len(edges[0]) + s) / sr, 4), duration=round(len(x) / sr, 4))
           for it, s, x in zip(chosen, starts, digits)]
    return wav, ali


def _silence_utterance(rng: random.Random, nrng: np.random.Generator, cfg: ConnectedDigitsConfig) -> np.ndarray:
    """White, pink or brown noise at an RMS level drawn from silence_level_db; its low end rounds
    to (nearly) digital zero in a 16-bit file."""
    x = coloured_noise(int(rng.uniform(*cfg.silence_duration) * cfg.sample_rate), rng.choice([0.0, 1.0, 2.0]), nrng)
    return (x / np.sqrt(np.mean(x**2)) * 10 ** (rng.uniform(*cfg.silence_level_db) / 20)).astype(np.float32)


def _utterance_kind(rng: random.Random, split: str, cfg: ConnectedDigitsConfig) -> str:
    if split == "test_silence":
        return "silence"
    if split == "test_nopause":
        return "no_pause"
    if split in ("train", "dev"):
        r = rng.random()
        if r < cfg.silence_share:
            return "silence"
        if r < cfg.silence_share + cfg.no_pause_share:
            return "no_pause"
    return "pauses"


def _write_utterance(path: Path, wav: np.ndarray, utt_id: str, speaker: str, ali: List[AlignmentItem],
                     sample_rate: int) -> Tuple[Recording, SupervisionSegment]:
    sf.write(str(path), np.clip(wav, -1.0, 1.0), sample_rate, subtype="PCM_16")
    rec = Recording.from_file(path, recording_id=utt_id)
    sup = SupervisionSegment(
        id=utt_id, recording_id=utt_id, start=0.0, duration=rec.duration, channel=0,
        text=" ".join(a.symbol for a in ali), speaker=speaker, language="English", alignment={"word": ali},
    )
    return rec, sup


def _cut_set(recordings: List[Recording], supervisions: List[SupervisionSegment]) -> CutSet:
    return CutSet.from_manifests(recordings=RecordingSet.from_recordings(recordings),
                                 supervisions=SupervisionSet.from_segments(supervisions))


def make_connected_digits(
    items: Sequence[DigitRecording], cfg: ConnectedDigitsConfig, wav_dir: Path
) -> Dict[str, CutSet]:
    """Writes every utterance's wav under `wav_dir/<split>/` and returns a CutSet per split
    (SPLITS, then QUIET_SPLITS)."""
    sources = split_sources(items, cfg)
    audio = _AudioCache(cfg.sample_rate)
    result = {}
    for split in SPLITS:
        rng = random.Random(f"{cfg.seed}-{split}")
        nrng = np.random.default_rng([cfg.seed, SPLITS.index(split)])
        by_speaker: Dict[str, List[DigitRecording]] = {}
        for it in sources.get(split, []):
            by_speaker.setdefault(it.speaker, []).append(it)
        speakers = sorted(by_speaker) or ["silence"]
        out_dir = Path(wav_dir) / split
        out_dir.mkdir(parents=True, exist_ok=True)
        recordings, supervisions = [], []
        count = cfg.num_utterances[split]
        for i in tqdm(range(count), desc=f"connected digits: {split}", mininterval=5):
            speaker = speakers[i % len(speakers)]
            kind = _utterance_kind(rng, split, cfg)
            if kind == "silence":
                wav, ali = _silence_utterance(rng, nrng, cfg), []
            else:
                wav, ali = _digits_utterance(rng, by_speaker[speaker], audio, cfg, no_pause=kind == "no_pause")
                wav = wav + cfg.noise_floor * nrng.standard_normal(len(wav)).astype(np.float32)
            utt_id = f"{speaker}-{split}-{i:05d}"
            rec, sup = _write_utterance(out_dir / f"{utt_id}.wav", wav, utt_id, speaker, ali, cfg.sample_rate)
            recordings.append(rec)
            supervisions.append(sup)
        result[split] = _cut_set(recordings, supervisions)
        logging.info(f"{split}: {count} utterances of {len(speakers)} speakers, {sum(r.duration for r in recordings) / 3600:.2f} h")
    gain = 10 ** (cfg.quiet_gain_db / 20)
    for split, source in QUIET_SPLITS.items():
        out_dir = Path(wav_dir) / split
        out_dir.mkdir(parents=True, exist_ok=True)
        recordings, supervisions = [], []
        for cut in result[source]:
            sup = cut.supervisions[0]
            utt_id = sup.id.replace(f"-{source}-", f"-{split}-")
            rec, sup = _write_utterance(out_dir / f"{utt_id}.wav", cut.load_audio()[0] * gain, utt_id, sup.speaker,
                                        sup.alignment["word"], cfg.sample_rate)
            recordings.append(rec)
            supervisions.append(sup)
        result[split] = _cut_set(recordings, supervisions)
        logging.info(f"{split}: {source} at {cfg.quiet_gain_db:+.0f} dB")
    return result
