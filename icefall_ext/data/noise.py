"""Synthetic coloured noise for CutMix augmentation when no noise corpus (MUSAN) is at hand.

White, pink (1/f) and brown (1/f^2) noise, each with a random spectral tilt and slow
amplitude modulation, deterministic by seed."""
from pathlib import Path
from typing import Union

import numpy as np
import soundfile as sf
from lhotse import Recording, RecordingSet

COLOURS = {"white": 0.0, "pink": 1.0, "brown": 2.0}


def coloured_noise(num_samples: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Noise with power spectral density ~ 1/f^exponent, unit peak amplitude."""
    spectrum = np.fft.rfft(rng.standard_normal(num_samples))
    freqs = np.fft.rfftfreq(num_samples)
    freqs[0] = freqs[1]
    spectrum /= freqs ** (exponent / 2)
    x = np.fft.irfft(spectrum, n=num_samples)
    return x / np.max(np.abs(x))


def make_noise_recordings(
    out_dir: Union[str, Path], num: int, duration: float, sample_rate: int = 16000, seed: int = 0
) -> RecordingSet:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    recordings = []
    names = list(COLOURS)
    for i in range(num):
        colour = names[i % len(names)]
        exponent = COLOURS[colour] + rng.uniform(-0.3, 0.3)
        n = int(duration * sample_rate)
        x = coloured_noise(n, exponent, rng)
        envelope = 1.0 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.1, 1.0) * np.arange(n) / sample_rate + rng.uniform(0, 6.3))
        x = (0.3 * x * envelope / envelope.max()).astype(np.float32)
        path = out_dir / f"noise-{colour}-{i:03d}.wav"
        sf.write(str(path), x, sample_rate, subtype="PCM_16")
        recordings.append(Recording.from_file(path))
    return RecordingSet.from_recordings(recordings)
