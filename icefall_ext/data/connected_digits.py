"""A deterministic connected-digit corpus built from isolated FSDD recordings.

Each utterance is 3-7 digits of one speaker, resampled to 16 kHz and joined with short
random pauses; its transcript is the digit words ("SEVEN TWO NINE") and its supervision
carries word alignments. Splits keep takes apart (train/dev/test use disjoint takes of the
training speakers) and a speaker-open test uses only speakers never seen in training.
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

from icefall_ext.data.fsdd import DigitRecording, speakers_of
from recipe_common.errors import InputError

SPLITS = ("train", "dev", "test", "test_open")


@dataclass
class ConnectedDigitsConfig:
    name: str = "connected_digits"  # the `corpus:` section's type (icefall_ext.asr_config.CORPUS_SECTIONS)
    test_speakers: List[str] = field(default_factory=lambda: ["nicolas"])
    dev_takes: Tuple[int, int] = (5, 9)  # inclusive range of take indices
    test_takes: Tuple[int, int] = (0, 4)  # FSDD's own test convention
    num_utterances: Dict[str, int] = field(
        default_factory=lambda: {"train": 1500, "dev": 100, "test": 200, "test_open": 200}
    )
    min_digits: int = 3
    max_digits: int = 7
    min_pause: float = 0.05
    max_pause: float = 0.40
    edge_silence: Tuple[float, float] = (0.10, 0.30)
    noise_floor: float = 3e-4  # std of the background noise in pauses, so that gaps are not digital zero
    sample_rate: int = 16000
    seed: int = 1234


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


def _make_utterance(
    rng: random.Random, nrng: np.random.Generator, pool: List[DigitRecording], audio: _AudioCache, cfg: ConnectedDigitsConfig
) -> Tuple[np.ndarray, List[AlignmentItem]]:
    sr = cfg.sample_rate
    n = rng.randint(cfg.min_digits, cfg.max_digits)
    chosen = [rng.choice(pool) for _ in range(n)]
    pieces, ali = [], []
    t = rng.uniform(*cfg.edge_silence)
    pieces.append(np.zeros(int(round(t * sr)), dtype=np.float32))
    offset = len(pieces[0])
    for i, it in enumerate(chosen):
        x = audio(it.recording)
        ali.append(AlignmentItem(symbol=it.word, start=round(offset / sr, 4), duration=round(len(x) / sr, 4)))
        pieces.append(x)
        offset += len(x)
        gap = rng.uniform(*cfg.edge_silence) if i == n - 1 else rng.uniform(cfg.min_pause, cfg.max_pause)
        pieces.append(np.zeros(int(round(gap * sr)), dtype=np.float32))
        offset += len(pieces[-1])
    wav = np.concatenate(pieces)
    wav = wav + cfg.noise_floor * nrng.standard_normal(len(wav)).astype(np.float32)
    return np.clip(wav, -1.0, 1.0), ali


def make_connected_digits(
    items: Sequence[DigitRecording], cfg: ConnectedDigitsConfig, wav_dir: Path
) -> Dict[str, CutSet]:
    """Writes every utterance's wav under `wav_dir/<split>/` and returns a CutSet per split."""
    sources = split_sources(items, cfg)
    audio = _AudioCache(cfg.sample_rate)
    result = {}
    for split in SPLITS:
        rng = random.Random(f"{cfg.seed}-{split}")
        nrng = np.random.default_rng([cfg.seed, SPLITS.index(split)])
        by_speaker: Dict[str, List[DigitRecording]] = {}
        for it in sources[split]:
            by_speaker.setdefault(it.speaker, []).append(it)
        speakers = sorted(by_speaker)
        out_dir = Path(wav_dir) / split
        out_dir.mkdir(parents=True, exist_ok=True)
        recordings, supervisions = [], []
        count = cfg.num_utterances[split]
        for i in tqdm(range(count), desc=f"connected digits: {split}", mininterval=5):
            speaker = speakers[i % len(speakers)]
            wav, ali = _make_utterance(rng, nrng, by_speaker[speaker], audio, cfg)
            utt_id = f"{speaker}-{split}-{i:05d}"
            path = out_dir / f"{utt_id}.wav"
            sf.write(str(path), wav, cfg.sample_rate, subtype="PCM_16")
            rec = Recording.from_file(path, recording_id=utt_id)
            recordings.append(rec)
            supervisions.append(
                SupervisionSegment(
                    id=utt_id,
                    recording_id=utt_id,
                    start=0.0,
                    duration=rec.duration,
                    channel=0,
                    text=" ".join(a.symbol for a in ali),
                    speaker=speaker,
                    language="English",
                    alignment={"word": ali},
                )
            )
        result[split] = CutSet.from_manifests(
            recordings=RecordingSet.from_recordings(recordings),
            supervisions=SupervisionSet.from_segments(supervisions),
        )
        logging.info(f"{split}: {count} utterances of {len(speakers)} speakers, {sum(r.duration for r in recordings) / 3600:.2f} h")
    return result
