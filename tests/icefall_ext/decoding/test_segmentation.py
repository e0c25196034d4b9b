"""Long recordings are cut at pauses before decoding: a model trained on 2-7 s digit strings
lost words on 20-36 s files (WER 1.6 % -> 7.1 %)."""
import random

import numpy as np
from lhotse import Recording

from icefall_ext.data.connected_digits import join_with_gaps
from icefall_ext.decoding.segmentation import SegmentationConfig, split_at_pauses


def long_recording(fsdd_subset, seconds: float, seed: int = 0):
    """Digits of one speaker with 50-400 ms pauses over a -70 dBFS floor, and each digit's span."""
    rng = random.Random(seed)
    paths = sorted(fsdd_subset.glob("*_george_*.flac"))
    pieces, gaps = [], []
    while sum(len(p) for p in pieces) < seconds * 16000:
        pieces.append(Recording.from_file(rng.choice(paths)).resample(16000).load_audio()[0])
        gaps.append(rng.uniform(0.05, 0.4))
    wav, starts = join_with_gaps(pieces, gaps[:-1], 16000)
    wav = wav + 3e-4 * np.random.default_rng(seed).standard_normal(len(wav)).astype(np.float32)
    return wav, [(s, s + len(p)) for s, p in zip(starts, pieces)]


def test_a_30_s_file_is_cut_between_digits_into_pieces_of_at_most_6_s(fsdd_subset):
    wav, digits = long_recording(fsdd_subset, 30)
    cfg = SegmentationConfig()
    segments = split_at_pauses(wav, 16000, cfg)
    assert segments[0][0] == 0 and segments[-1][1] == len(wav)
    assert all(a[1] == b[0] for a, b in zip(segments, segments[1:]))
    assert len(segments) >= 5 and all(cfg.min_segment * 16000 <= b - a <= cfg.max_segment * 16000 for a, b in segments[:-1])
    for _, cut in segments[:-1]:
        assert not any(start < cut < end for start, end in digits), "a cut inside a digit"


def test_the_same_file_20_db_quieter_is_cut_in_the_same_places(fsdd_subset):
    wav, _ = long_recording(fsdd_subset, 25, seed=1)
    assert split_at_pauses(wav, 16000, SegmentationConfig()) == split_at_pauses(0.1 * wav, 16000, SegmentationConfig())


def test_short_files_are_whole_and_pause_free_noise_is_still_cut():
    noise = np.random.default_rng(0).standard_normal(16000 * 14).astype(np.float32) * 0.1
    assert split_at_pauses(noise[:16000 * 5], 16000, SegmentationConfig()) == [(0, 16000 * 5)]
    segments = split_at_pauses(noise, 16000, SegmentationConfig())
    assert len(segments) >= 3 and all(b - a <= 6 * 16000 for a, b in segments)
    assert split_at_pauses(noise, 16000, SegmentationConfig(max_segment=0)) == [(0, len(noise))]
