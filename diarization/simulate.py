"""Simulated meetings with moving speakers: pyroomacoustics shoebox rooms, a circular array, 2-4
speakers taking turns (pauses and some overlap) with speech from real spoken digits, each speaker
seated or pacing along a smooth arc around the table at walking speed. Deterministic by seed.

Moving sources are rendered as piecewise-static: a speaker's dry track is cut by Hann windows of
`segment_s` hop (they sum to one), and each windowed piece is convolved with the room impulse
response of the speaker's position at the piece's centre (pyroomacoustics has no moving sources).
"""
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import soundfile as sf
from scipy.signal import oaconvolve, resample_poly

from icefall_ext.data.fsdd import DigitRecording
from diarization.array import CircularArray
from diarization.rttm import Turn, write_rttm
from recipe_common.errors import InputError
from recipe_common.io import atomic_path, write_text_atomic


@dataclass
class MeetingSimConfig:
    speakers: List[int] = field(default_factory=lambda: [2, 4])  # min, max per meeting
    duration: float = 40.0  # seconds of meeting (turns are added until it is reached)
    room_min: List[float] = field(default_factory=lambda: [5.0, 4.5, 2.6])
    room_max: List[float] = field(default_factory=lambda: [8.0, 7.0, 3.2])
    rt60: List[float] = field(default_factory=lambda: [0.2, 0.45])
    max_order: int = 10  # image-source order cap (the RIR cost grows fast with it)
    num_mics: int = 8
    radius: float = 0.1
    distance: List[float] = field(default_factory=lambda: [1.0, 2.0])  # speaker to array centre, metres
    min_separation_deg: float = 35.0  # between the speakers' starting azimuths
    moving_fraction: float = 0.0  # share of speakers who pace (the 'moving' condition sets it)
    speed: List[float] = field(default_factory=lambda: [0.4, 0.9])  # peak walking speed, m/s
    arc_deg: List[float] = field(default_factory=lambda: [40.0, 80.0])  # pacing amplitude
    digits_per_turn: List[int] = field(default_factory=lambda: [2, 5])
    digit_gap: List[float] = field(default_factory=lambda: [0.05, 0.2])
    pause: List[float] = field(default_factory=lambda: [0.2, 1.0])
    overlap_prob: float = 0.15
    overlap: List[float] = field(default_factory=lambda: [0.2, 0.6])
    segment_s: float = 0.5
    snr_db: float = 30.0  # sensor noise
    sample_rate: int = 16000


@dataclass
class Speaker:
    name: str
    r0: float
    theta0: float
    moving: bool
    arc: float = 0.0  # radians
    period: float = 1.0  # seconds
    phase: float = 0.0

    def position(self, t: np.ndarray, center: Sequence[float]) -> np.ndarray:
        """[len(t), 2] positions: a seated speaker stays put, a pacing one swings along the arc."""
        t = np.asarray(t, dtype=float)
        theta = self.theta0 + (self.arc * np.sin(2 * np.pi * t / self.period + self.phase) if self.moving else 0 * t)
        return np.stack([center[0] + self.r0 * np.cos(theta), center[1] + self.r0 * np.sin(theta)], axis=-1)


class DigitBank:
    """The digit recordings of each speaker, resampled to the meeting's rate on first use."""

    def __init__(self, items: Sequence[DigitRecording], sample_rate: int):
        self.by_speaker: Dict[str, List[DigitRecording]] = {}
        for it in items:
            self.by_speaker.setdefault(it.speaker, []).append(it)
        self.sample_rate = sample_rate
        self._cache: Dict[str, np.ndarray] = {}

    def audio(self, item: DigitRecording) -> np.ndarray:
        key = item.recording.id
        if key not in self._cache:
            x = item.recording.load_audio()[0].astype(np.float64)
            sr = item.recording.sampling_rate
            if sr != self.sample_rate:
                g = math.gcd(sr, self.sample_rate)
                x = resample_poly(x, self.sample_rate // g, sr // g)
            self._cache[key] = x / (np.sqrt(np.mean(x ** 2)) + 1e-9)
        return self._cache[key]


def _uniform(rng: np.random.Generator, lo_hi: Sequence[float]) -> float:
    return float(rng.uniform(lo_hi[0], lo_hi[1]))


def place_speakers(rng: np.random.Generator, names: Sequence[str], cfg: MeetingSimConfig,
                   room: np.ndarray, center: Sequence[float]) -> List[Speaker]:
    """Seated positions around the table with distinct azimuths; pacers get an arc that stays in the room."""
    speakers: List[Speaker] = []
    n_moving = int(round(cfg.moving_fraction * len(names)))
    sep = math.radians(cfg.min_separation_deg)
    for i, name in enumerate(names):
        for _ in range(1000):
            theta, r = rng.uniform(-np.pi, np.pi), _uniform(rng, cfg.distance)
            spk = Speaker(name, r, theta, moving=i < n_moving)
            if spk.moving:
                spk.arc = math.radians(_uniform(rng, cfg.arc_deg))
                spk.period = 2 * np.pi * spk.arc * r / _uniform(rng, cfg.speed)  # peak speed = arc * r * 2pi / period
                spk.phase = rng.uniform(0, 2 * np.pi)
            path = spk.position(np.linspace(0, spk.period if spk.moving else 1, 50), center)
            inside = np.all((path > 0.4) & (path < room[:2] - 0.4))
            distinct = all(abs(np.angle(np.exp(1j * (theta - o.theta0)))) >= sep for o in speakers)
            if inside and distinct:
                speakers.append(spk)
                break
        else:
            raise InputError(f"cannot place {len(names)} speakers {cfg.min_separation_deg} degrees apart in a "
                             f"{room[0]:.1f} x {room[1]:.1f} m room")
    order = rng.permutation(len(speakers))  # who moves is not tied to the speaking order
    return [speakers[i] for i in order]


def turn_schedule(rng: np.random.Generator, bank: DigitBank, names: Sequence[str],
                  cfg: MeetingSimConfig) -> List[Tuple[str, float, np.ndarray]]:
    """(speaker, start seconds, dry audio) of every turn until the meeting's duration is reached."""
    turns: List[Tuple[str, float, np.ndarray]] = []
    t, previous = 0.3, None
    while t < cfg.duration:
        speaker = str(rng.choice([n for n in names if n != previous]))
        n_digits = int(rng.integers(cfg.digits_per_turn[0], cfg.digits_per_turn[1] + 1))
        pieces = []
        for k in range(n_digits):
            items = bank.by_speaker[speaker]
            pieces.append(bank.audio(items[int(rng.integers(len(items)))]))
            if k < n_digits - 1:
                pieces.append(np.zeros(int(_uniform(rng, cfg.digit_gap) * cfg.sample_rate)))
        audio = np.concatenate(pieces) * 10 ** (rng.uniform(-3, 3) / 20)
        turns.append((speaker, t, audio))
        end = t + len(audio) / cfg.sample_rate
        t = end - _uniform(rng, cfg.overlap) if rng.random() < cfg.overlap_prob else end + _uniform(rng, cfg.pause)
        previous = speaker
    return turns


def speech_bounds(audio: np.ndarray, sample_rate: int, floor_db: float = -35.0) -> Tuple[float, float]:
    """First and last moment the turn's audio is within floor_db of its peak (FSDD takes carry silence)."""
    frame = sample_rate // 100
    n = len(audio) // frame
    energy = 10 * np.log10(np.mean(audio[:n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    active = np.nonzero(energy > energy.max() + floor_db)[0]
    return active[0] * frame / sample_rate, (active[-1] + 1) * frame / sample_rate


def simulate_meeting(meeting_id: str, names: Sequence[str], bank: DigitBank, cfg: MeetingSimConfig,
                     seed: int, out_dir: Path) -> Dict:
    """Renders one meeting: OUT_DIR/<id>.wav (M channels), <id>.rttm, <id>.json (room, array,
    speakers, true trajectories every 0.1 s). Returns the JSON's content."""
    import pyroomacoustics as pra

    rng = np.random.default_rng(seed)
    sr = cfg.sample_rate
    room_dim = np.array([_uniform(rng, (lo, hi)) for lo, hi in zip(cfg.room_min, cfg.room_max)])
    rt60 = _uniform(rng, cfg.rt60)
    center = (room_dim[0] / 2 + rng.uniform(-0.3, 0.3), room_dim[1] / 2 + rng.uniform(-0.3, 0.3), 0.8)
    array = CircularArray(cfg.num_mics, cfg.radius, center)
    speakers = place_speakers(rng, names, cfg, room_dim, center)
    turns = turn_schedule(rng, bank, [s.name for s in speakers], cfg)
    length = int((max(t + len(a) / sr for _, t, a in turns) + 0.5) * sr)
    tracks = {s.name: np.zeros(length) for s in speakers}
    ref: List[Turn] = []
    for name, start, audio in turns:
        i = int(start * sr)
        tracks[name][i:i + len(audio)] += audio
        lo, hi = speech_bounds(audio, sr)
        ref.append(Turn(meeting_id, round(start + lo, 3), round(hi - lo, 3), name))

    absorption, order = pra.inverse_sabine(rt60, room_dim)
    room = pra.ShoeBox(room_dim, fs=sr, materials=pra.Material(absorption), max_order=min(order, cfg.max_order))
    room.add_microphone_array(array.positions())
    pieces: List[Tuple[int, np.ndarray]] = []  # (source index, windowed dry signal)
    hop = int(cfg.segment_s * sr)
    for spk in speakers:
        track = tracks[spk.name]
        if not spk.moving:
            pieces.append((len(room.sources), track))
            room.add_source([*spk.position(np.zeros(1), center)[0], 1.3])
            continue
        window = np.hanning(2 * hop + 1)[:-1]  # periodic Hann, 50 % overlap: the windows sum to one
        for k in range(-1, length // hop + 1):
            a, b = k * hop, k * hop + 2 * hop
            piece = np.zeros(length)
            lo, hi = max(a, 0), min(b, length)
            if hi <= lo or not track[lo:hi].any():
                continue
            piece[lo:hi] = track[lo:hi] * window[lo - a:hi - a]
            pieces.append((len(room.sources), piece))
            room.add_source([*spk.position(np.array([(a + hop) / sr]), center)[0], 1.3])
    room.compute_rir()
    mix = np.zeros((cfg.num_mics, length + 2 * sr))
    for src, signal in pieces:
        nz = np.nonzero(signal)[0]
        if len(nz) == 0:
            continue
        lo, hi = nz[0], nz[-1] + 1
        for m in range(cfg.num_mics):
            y = oaconvolve(signal[lo:hi], room.rir[m][src])
            mix[m, lo:lo + len(y)] += y[:mix.shape[1] - lo]
    mix = mix[:, :length]
    power = np.mean(mix ** 2)
    mix += rng.normal(0, np.sqrt(power / 10 ** (cfg.snr_db / 10)), mix.shape)
    mix *= 0.5 / np.abs(mix).max()

    times = np.arange(0, length / sr, 0.1)
    info = {"id": meeting_id, "room": room_dim.tolist(), "rt60": rt60, "seed": seed,
            "array": {"num_mics": cfg.num_mics, "radius": cfg.radius, "center": list(center)},
            "speakers": {s.name: {**asdict(s), "azimuth": array.azimuth(s.position(times, center)).tolist()}
                         for s in speakers},
            "times": times.tolist()}
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_dir / f"{meeting_id}.wav") as tmp:
        sf.write(str(tmp), mix.T.astype(np.float32), sr, subtype="PCM_16", format="WAV")
    write_rttm(out_dir / f"{meeting_id}.rttm", ref)
    write_text_atomic(out_dir / f"{meeting_id}.json", json.dumps(info))
    return info
