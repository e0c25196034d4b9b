"""The diarisation front end: speech segments (oracle, from the reference turns, or an energy VAD),
uniform sub-segments to cluster, one direction of arrival per sub-segment from the array
(pyroomacoustics' NormMUSIC or SRP-PHAT), and a training-free statistics embedding per
sub-segment (mean and standard deviation of MFCCs from kaldi-native-fbank, normalised per
recording): no speaker is ever used for training, so none can leak into the evaluation.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
from scipy.fft import dct

from diarization.array import CircularArray
from diarization.rttm import Turn
from icefall_ext.features.kaldi_native_fbank import KnfFbankConfig, compute_knf_fbank
from recipe_common.errors import InputError


@dataclass
class FrontendConfig:
    segments: str = "oracle"  # oracle (speech regions from the reference RTTM) | energy (VAD on channel 0)
    vad_threshold_db: float = -30.0  # energy VAD: frames within this of the loud (95th percentile) level
    vad_min_speech: float = 0.3
    vad_min_gap: float = 0.3
    window: float = 1.5  # sub-segment length and shift, seconds
    shift: float = 0.75
    min_length: float = 0.4
    doa_algorithm: str = "NormMUSIC"  # any of pyroomacoustics.doa.algorithms
    nfft: int = 512
    freq_range: List[float] = field(default_factory=lambda: [300.0, 3500.0])
    num_mfcc: int = 20


@dataclass
class SubSegment:
    start: float
    end: float
    azimuth: float = 0.0  # radians
    embedding: np.ndarray = None

    @property
    def center(self) -> float:
        return 0.5 * (self.start + self.end)


def merge_regions(regions: Sequence[Tuple[float, float]], min_gap: float = 0.0) -> List[Tuple[float, float]]:
    out: List[List[float]] = []
    for a, b in sorted(regions):
        if out and a <= out[-1][1] + min_gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def oracle_regions(turns: Sequence[Turn]) -> List[Tuple[float, float]]:
    return merge_regions([(t.start, t.end) for t in turns])


def energy_regions(audio: np.ndarray, sample_rate: int, cfg: FrontendConfig) -> List[Tuple[float, float]]:
    """Speech regions of one channel: 10 ms frames within vad_threshold_db of the 95th-percentile level,
    gaps shorter than vad_min_gap closed, regions shorter than vad_min_speech dropped."""
    frame = sample_rate // 100
    n = len(audio) // frame
    level = 10 * np.log10(np.mean(audio[:n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    active = level > np.percentile(level, 95) + cfg.vad_threshold_db
    edges = np.diff(np.concatenate([[0], active.astype(int), [0]]))
    regions = [(a / 100, b / 100) for a, b in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0])]
    return [(a, b) for a, b in merge_regions(regions, cfg.vad_min_gap) if b - a >= cfg.vad_min_speech]


def subsegments(regions: Sequence[Tuple[float, float]], cfg: FrontendConfig) -> List[SubSegment]:
    """Kaldi-style uniform windows over each region (the last one ends with the region)."""
    out = []
    for a, b in regions:
        if b - a < cfg.min_length:
            continue
        start = a
        while True:
            end = min(start + cfg.window, b)
            if b - end < cfg.min_length:  # a short remainder joins this window
                end = b
            out.append(SubSegment(start, end))
            if end >= b:
                break
            start += cfg.shift
    return out


class DirectionFinder:
    """One azimuth per time span of a multichannel recording, from its STFT (computed once)."""

    def __init__(self, audio: np.ndarray, sample_rate: int, array: CircularArray, cfg: FrontendConfig):
        import pyroomacoustics as pra

        self.hop = cfg.nfft // 2
        self.sample_rate = sample_rate
        stft = pra.transform.stft.analysis(audio.T, cfg.nfft, self.hop, win=pra.hann(cfg.nfft))
        self.X = np.transpose(stft, (2, 1, 0))  # [M, F, frames]
        self.doa = pra.doa.algorithms[cfg.doa_algorithm](array.positions()[:2], sample_rate, cfg.nfft, num_src=1)
        self.freq_range = list(cfg.freq_range)

    def azimuth(self, start: float, end: float) -> float:
        a = int(start * self.sample_rate / self.hop)
        b = max(a + 2, int(end * self.sample_rate / self.hop))
        self.doa.locate_sources(self.X[:, :, a:b], num_src=1, freq_range=self.freq_range)
        return float(self.doa.azimuth_recon[0])


def mfcc_frames(audio: np.ndarray, sample_rate: int, num_mfcc: int) -> np.ndarray:
    """[frames, num_mfcc] MFCCs (c1..cN) from kaldi-native-fbank's 40 log-mel bins, 10 ms shift."""
    fbank = compute_knf_fbank(audio, sample_rate, KnfFbankConfig(num_mel_bins=40))
    return dct(fbank, type=2, norm="ortho", axis=1)[:, 1:num_mfcc + 1]


def statistics_embeddings(mfcc: np.ndarray, segs: Sequence[SubSegment]) -> np.ndarray:
    """[N, 2 * num_mfcc]: mean and std of each sub-segment's MFCCs, standardised over the recording's
    sub-segments and L2-normalised (cosine similarity is then the affinity)."""
    stats = []
    for s in segs:
        f = mfcc[int(s.start * 100):max(int(s.end * 100), int(s.start * 100) + 2)]
        stats.append(np.concatenate([f.mean(axis=0), f.std(axis=0)]))
    x = np.array(stats)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-6)
    return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-9)


def analyse(audio: np.ndarray, sample_rate: int, array: CircularArray, regions: Sequence[Tuple[float, float]],
            cfg: FrontendConfig) -> List[SubSegment]:
    """Sub-segments of the regions, each with its azimuth and embedding (audio: [M, samples])."""
    segs = subsegments(regions, cfg)
    if not segs:
        return segs
    finder = DirectionFinder(audio, sample_rate, array, cfg)
    emb = statistics_embeddings(mfcc_frames(audio[0], sample_rate, cfg.num_mfcc), segs)
    for s, e in zip(segs, emb):
        s.azimuth, s.embedding = finder.azimuth(s.start, s.end), e
    return segs


def load_analysis(path: Path) -> Dict[str, Tuple[List[SubSegment], float]]:
    """recording -> (sub-segments, duration) from a file written by diarization.bin.frontend."""
    from recipe_common.checkpoint import load_checkpoint

    if not path.is_file():
        raise InputError(f"{path}: does not exist (run the front end first)")
    out = {}
    for rec_id, r in load_checkpoint(path)["recordings"].items():
        segs = [SubSegment(a, b, az, np.array(e)) for a, b, az, e in zip(r["start"], r["end"], r["azimuth"],
                                                                        r["embedding"])]
        out[rec_id] = (segs, r["duration"])
    return out
