"""PyTorch streaming decoding of cut sets from their audio, as a deployed stream sees it: fbank
(kaldi-native-fbank, sherpa-onnx's) of the audio with the zero tail that completes its last chunk,
every chunk whole. sherpa-onnx's OnlineRecognizer encodes exactly these chunks of exactly these
frames (its IsReady: a chunk starts once T frames past it exist), so the two decodes differ only
by the export and the runtime; stored features would differ from the stream's in the last chunk,
which sherpa-onnx encodes whole (the tail's frames) and decoding/streaming.py masks."""
import logging
from typing import List

import numpy as np
import torch
from lhotse import CutSet

from icefall_ext.decoding.scoring import Result
from icefall_ext.decoding.search import SearchOptions, decode_features
from icefall_ext.features.kaldi_native_fbank import KnfFbankConfig, compute_knf_fbank
from icefall_ext.models.subsampling import LOOKAHEAD_FRAMES, SUBSAMPLING_FACTOR, subsampled_lengths
from icefall_ext.models.transducer import Transducer
from icefall_ext.tokens.bpe import Tokenizer

FRAME_SHIFT_SAMPLES = 160  # 10 ms at 16 kHz


def _num_chunks(num_samples: int, chunk_frames: int) -> int:
    """Chunks that cover every subsampled frame of the audio (decoding/streaming.py's count)."""
    frames = (num_samples + FRAME_SHIFT_SAMPLES // 2) // FRAME_SHIFT_SAMPLES  # kaldi-native-fbank, snip_edges=False
    chunk = chunk_frames // SUBSAMPLING_FACTOR
    return -(-int(subsampled_lengths(torch.tensor(frames))) // chunk)


def tail_padding(num_samples: int, chunk_frames: int) -> int:
    """Zero samples after 16 kHz audio so that its last chunk is encoded, and no chunk after it."""
    num_chunks = _num_chunks(num_samples, chunk_frames)
    if num_chunks == 0:
        return 0
    needed = (num_chunks - 1) * chunk_frames + chunk_frames + LOOKAHEAD_FRAMES + 1  # IsReady: start + T < frames
    return max(0, needed * FRAME_SHIFT_SAMPLES - num_samples) + FRAME_SHIFT_SAMPLES


def stream_features(samples: np.ndarray, chunk_frames: int) -> torch.Tensor:
    """(num_chunks * chunk_frames + LOOKAHEAD_FRAMES, 80) features of 16 kHz samples with their
    tail padding: the frames of the chunks a stream encodes ((0, 80) for audio too short for one)."""
    num_chunks = _num_chunks(len(samples), chunk_frames)
    if num_chunks == 0:
        return torch.zeros(0, KnfFbankConfig().num_mel_bins)
    padded = np.concatenate([samples, np.zeros(tail_padding(len(samples), chunk_frames), np.float32)])
    feats = torch.from_numpy(compute_knf_fbank(padded, 16000, KnfFbankConfig()))
    return feats[: num_chunks * chunk_frames + LOOKAHEAD_FRAMES]


def decode_cuts_streaming(model: Transducer, tokenizer: Tokenizer, cuts: CutSet, method: str, options: SearchOptions,
                          batch_size: int = 16) -> List[Result]:
    """(cut id, reference words, hypothesis words) per cut; `method` a streaming search
    (streaming_greedy_search ...), in chunks of options.chunk_frames, `batch_size` streams at a time."""
    device = next(model.parameters()).device
    cut_list = list(cuts)
    results: List[Result] = []
    for i in range(0, len(cut_list), batch_size):
        batch = cut_list[i : i + batch_size]
        feats = [stream_features(c.resample(16000).load_audio()[0].astype(np.float32), options.chunk_frames) for c in batch]
        lens = torch.tensor([f.shape[0] for f in feats])
        padded = torch.nn.utils.rnn.pad_sequence(feats, batch_first=True)
        hyps = decode_features(model, padded.to(device), lens.to(device), method, options)
        results += [(c.id, c.supervisions[0].text.split(), tokenizer.decode(h).split()) for c, h in zip(batch, hyps)]
        logging.info(f"{method}, chunks of {options.chunk_frames} frames: {len(results)}/{len(cut_list)} utterances")
    return results
