"""What every endpointer is measured on: an utterance's audio followed by trailing silence (the
recording's noise floor, the same noise for a cut in every system's decode), and the reference
end of its last aligned word (bin/align_cuts.py: one model's forced alignment for all systems)."""
import zlib

import numpy as np
from lhotse.cut import Cut

from icefall_ext.losses.eos_latency import word_ends_in_cut
from recipe_common.errors import InputError


def with_trailing_silence(audio: np.ndarray, sample_rate: int, seconds: float, level_dbfs: float = -70.0,
                          seed: int = 0) -> np.ndarray:
    """The audio followed by `seconds` of white noise at level_dbfs RMS (a recording's noise
    floor, so that the pause is not digital zero), as the endpoint metrics are measured."""
    if seconds < 0:
        raise ValueError(f"trailing silence must be >= 0 seconds, not {seconds}")
    rms = 10.0 ** (level_dbfs / 20.0)
    tail = np.random.default_rng(seed).standard_normal(int(round(seconds * sample_rate))) * rms
    return np.concatenate([audio, tail.astype(audio.dtype)])


def audio_with_silence(cut: Cut, seconds: float) -> np.ndarray:
    """The cut's 16 kHz audio and `seconds` of noise floor seeded by its id."""
    audio = cut.resample(16000).load_audio()[0].astype(np.float32)
    return with_trailing_silence(audio, 16000, seconds, seed=zlib.crc32(cut.id.encode()))


def reference_end(cut: Cut) -> float:
    """Seconds from the cut's start to the end of its last aligned word."""
    ends = word_ends_in_cut(cut)
    if ends is None:
        raise InputError(f"cut {cut.id}: no word alignment to measure the endpoint against "
                         "(align the cuts first: python -m icefall_ext.bin.align_cuts)")
    return max(ends, default=0.0)
