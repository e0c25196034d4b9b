"""Transcribing users' files with a trained transducer in PyTorch (icefall's pretrained.py):
one channel chosen, long recordings cut at pauses and decoded piece by piece, and a file that
cannot be read reported and skipped, so that one bad file does not stop a batch."""
from pathlib import Path
from typing import Callable, List, TextIO, Tuple

import numpy as np
import torch

from icefall_ext.data.audio import load_channel
from icefall_ext.decoding.search import SearchOptions, decode_features
from icefall_ext.decoding.segmentation import SegmentationConfig, split_at_pauses
from icefall_ext.features.kaldi_native_fbank import KnfFbankConfig, compute_knf_fbank
from icefall_ext.models.transducer import Transducer
from icefall_ext.tokens.bpe import Tokenizer
from recipe_common.errors import InputError

SAMPLE_RATE = 16000
Recogniser = Callable[[np.ndarray], str]


def make_recogniser(model: Transducer, tokenizer: Tokenizer, method: str, options: SearchOptions) -> Recogniser:
    """16 kHz samples -> words, through the features sherpa-onnx computes (kaldi-native-fbank)."""
    fbank = KnfFbankConfig(num_mel_bins=model.cfg.encoder.num_features)

    def recognise(samples: np.ndarray) -> str:
        feats = torch.from_numpy(compute_knf_fbank(samples, SAMPLE_RATE, fbank)).unsqueeze(0)
        return tokenizer.decode(decode_features(model, feats, torch.tensor([feats.shape[1]]), method, options)[0])

    return recognise


def recognise_in_segments(samples: np.ndarray, recognise: Recogniser, segmentation: SegmentationConfig) -> Tuple[str, int]:
    """(words, number of segments): 16 kHz samples cut at pauses when longer than
    segmentation.max_segment, each piece recognised on its own, the words joined."""
    segments = split_at_pauses(samples, SAMPLE_RATE, segmentation)
    return " ".join(w for w in (recognise(samples[a:b]) for a, b in segments) if w), len(segments)


def transcribe_files(inputs: List[Tuple[str, Path]], recognise: Recogniser, channel: int, segmentation: SegmentationConfig,
                     out: TextIO, err: TextIO, prog: str) -> int:
    """Writes `<utt-id> <words>` per readable file to `out`, one line per bad file and per
    warning to `err`; returns how many files failed."""
    failures = 0
    for utt, path in inputs:
        try:
            samples, warning = load_channel(path, channel, SAMPLE_RATE)
        except InputError as e:
            print(f"{prog}: error: {e}", file=err, flush=True)
            failures += 1
            continue
        if warning:
            print(f"{prog}: warning: {warning}", file=err, flush=True)
        words, num_segments = recognise_in_segments(samples, recognise, segmentation)
        if num_segments > 1:
            print(f"{prog}: {path}: {len(samples) / SAMPLE_RATE:.1f} s, decoded in {num_segments} segments cut at pauses",
                  file=err, flush=True)
        print(f"{utt} {words}".rstrip(), file=out, flush=True)
    return failures
