"""Cutting long recordings at pauses, so that the recogniser sees utterances of the lengths it
was trained on (a model trained on 2-7 s strings of digits loses words on a 30 s file).

An energy detector is enough for that: 10 ms frames more than `pause_db` below the loudest
frames (their 99th percentile, so that the threshold follows the recording's level) are pause;
each cut goes to the middle of the longest pause within [min_segment, max_segment] of the
previous cut, or to the quietest frame there if there is no pause at all.
"""
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from icefall_ext.data.audio import frame_energies_db


@dataclass
class SegmentationConfig:
    max_segment: float = 6.0  # seconds; shorter input is decoded whole; 0 never cuts
    min_segment: float = 1.0
    pause_db: float = 30.0
    frame_shift: float = 0.01


def _longest_run_centre(mask: np.ndarray) -> Tuple[int, int]:
    """(length, centre index) of the longest run of True in mask; (0, -1) without one."""
    best = (0, -1)
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    for start, end in zip(edges[::2], edges[1::2]):
        if end - start > best[0]:
            best = (int(end - start), int((start + end) // 2))
    return best


def split_at_pauses(samples: np.ndarray, sample_rate: int, cfg: SegmentationConfig) -> List[Tuple[int, int]]:
    """[(start, end)] sample ranges that cover `samples` end to end."""
    n = len(samples)
    if cfg.max_segment <= 0 or n <= cfg.max_segment * sample_rate:
        return [(0, n)]
    hop = int(round(cfg.frame_shift * sample_rate))
    energy = frame_energies_db(samples, hop)
    pause = energy < np.percentile(energy, 99) - cfg.pause_db
    lo, hi = int(cfg.min_segment / cfg.frame_shift), int(cfg.max_segment / cfg.frame_shift)
    cuts, start = [0], 0
    while (len(energy) - start) * hop > cfg.max_segment * sample_rate:
        window = slice(start + lo, min(start + hi, len(energy)))
        length, centre = _longest_run_centre(pause[window])
        cut = window.start + (centre if length else int(np.argmin(energy[window])))
        cuts.append(cut * hop)
        start = cut
    return list(zip(cuts, cuts[1:] + [n]))
