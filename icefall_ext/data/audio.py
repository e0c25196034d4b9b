"""Users' audio files as the recogniser needs them: one channel, 16 kHz, float samples in [-1, 1],
with a one-line error for a file that cannot be used and a warning for a channel that looks wrong."""
from pathlib import Path
from typing import Optional, Tuple

import numpy as np
import soundfile as sf
from lhotse import Recording

from recipe_common.errors import InputError

SILENT_DBFS = -60.0  # a channel whose RMS is below this holds no speech


def frame_energies_db(samples: np.ndarray, hop: int) -> np.ndarray:
    """Mean power of each `hop`-sample frame, dB re full scale (a trailing partial frame is dropped)."""
    n = len(samples) // hop
    frames = samples[: n * hop].reshape(n, hop).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def rms_dbfs(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-10)) if x.size else -200.0


def load_channel(path: Path, channel: int = 0, sample_rate: int = 16000) -> Tuple[np.ndarray, Optional[str]]:
    """(samples of `channel` at `sample_rate`, a warning or None). The warning says when that
    channel is silent while another one is not (a stereo file whose speech is on the other side)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: audio file does not exist")
    try:
        info = sf.info(str(path))
    except Exception as e:  # soundfile raises several types for files it cannot parse
        raise InputError(f"{path}: unreadable audio file ({type(e).__name__})")
    if info.frames == 0:
        raise InputError(f"{path}: zero-length audio file")
    if not 0 <= channel < info.channels:
        raise InputError(f"{path}: --channel {channel}: the file has {info.channels} channel(s), 0 to {info.channels - 1}")
    try:
        rec = Recording.from_file(path)
        if rec.sampling_rate != sample_rate:
            rec = rec.resample(sample_rate)
        audio = rec.load_audio()
    except Exception as e:  # a valid header over truncated or corrupt data
        raise InputError(f"{path}: unreadable audio data ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})")
    levels = [rms_dbfs(a) for a in audio]
    warning = None
    loudest = int(np.argmax(levels))
    if levels[channel] < SILENT_DBFS <= levels[loudest]:
        warning = (f"{path}: channel {channel} is silent ({levels[channel]:.0f} dBFS) while channel {loudest} is not "
                   f"({levels[loudest]:.0f} dBFS); choose it with --channel {loudest}")
    return audio[channel].astype(np.float32), warning
