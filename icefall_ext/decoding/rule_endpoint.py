"""sherpa-onnx's rule-based endpointer (endpoint.cc: three Kaldi-style rules on the trailing blank
frames of the streaming search), the baseline the <eos> endpointer is measured against on the same
streaming model. An utterance's audio is fed to an OnlineRecognizer a little at a time; its
endpoint is the audio fed when is_endpoint first holds, and its words are those recognised by
then (the rest would belong to the next segment). Silence here means blanks, not low energy."""
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import numpy as np


@dataclass
class EndpointRules:
    """sherpa-onnx's defaults (rule1: trailing silence even with nothing decoded; rule2: after
    something was decoded; rule3: the utterance's length), in seconds."""

    rule1_min_trailing_silence: float = 2.4
    rule2_min_trailing_silence: float = 1.2
    rule3_min_utterance_length: float = 20.0

    def __post_init__(self):
        for name, value in vars(self).items():
            if value <= 0:
                raise ValueError(f"{name} must be positive, not {value}")

    def recognizer_options(self) -> Dict[str, object]:
        """Keyword arguments of sherpa_onnx.OnlineRecognizer.from_transducer."""
        return {"enable_endpoint_detection": True, **vars(self)}


def endpoint_with_rules(recognizer, audio: np.ndarray, sample_rate: int, feed_seconds: float = 0.04
                        ) -> Tuple[str, Optional[float]]:
    """(text recognised before the endpoint, endpoint in seconds of audio fed; None: the rules
    did not fire before the audio ended). The recognizer must have endpoint detection enabled."""
    stream = recognizer.create_stream()
    step = max(1, int(round(feed_seconds * sample_rate)))
    for start in range(0, len(audio), step):
        stream.accept_waveform(sample_rate, audio[start : start + step])
        while recognizer.is_ready(stream):
            recognizer.decode_stream(stream)
        if recognizer.is_endpoint(stream):
            return recognizer.get_result(stream), min(start + step, len(audio)) / sample_rate
    return recognizer.get_result(stream), None


def with_trailing_silence(audio: np.ndarray, sample_rate: int, seconds: float, level_dbfs: float = -70.0,
                          seed: int = 0) -> np.ndarray:
    """The audio followed by `seconds` of white noise at level_dbfs RMS (a recording's noise
    floor, so that the pause is not digital zero), as the endpoint metrics are measured."""
    if seconds < 0:
        raise ValueError(f"trailing silence must be >= 0 seconds, not {seconds}")
    rms = 10.0 ** (level_dbfs / 20.0)
    tail = np.random.default_rng(seed).standard_normal(int(round(seconds * sample_rate))) * rms
    return np.concatenate([audio, tail.astype(audio.dtype)])
