"""sherpa-onnx's rule-based endpointer (endpoint.cc: three Kaldi-style rules on the trailing blank
frames of the streaming search), the baseline the <eos> endpointer is measured against on the same
streaming model. An utterance's audio is fed to an OnlineRecognizer a little at a time; its
endpoint is the audio fed when is_endpoint first holds, and its words are those recognised by
then (the rest would belong to the next segment). Silence here means blanks, not low energy."""
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np
from lhotse import CutSet

from icefall_ext.decoding.endpoint_audio import audio_with_silence, reference_end
from icefall_ext.decoding.endpoint_metrics import Endpointed
from icefall_ext.tokens.bpe import recognised_words


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


def endpoint_cuts_rules(recognizer, cuts: CutSet, trailing_silence: float) -> List[Endpointed]:
    """The rules' endpoint of every cut (with word alignments), its audio followed by
    `trailing_silence` seconds of noise floor. An <eos> the model emits is no word here: the rules
    see it as any other token."""
    out = []
    for cut in cuts:
        text, endpoint = endpoint_with_rules(recognizer, audio_with_silence(cut, trailing_silence), 16000)
        out.append(Endpointed(cut.id, cut.supervisions[0].text.split(), recognised_words(text),
                              ref_end=reference_end(cut), endpoint=endpoint))
    return out
