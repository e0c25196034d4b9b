"""Decoding cut sets with sherpa-onnx's OnlineRecognizer on a streaming export
(export/onnx_streaming.py), the audio fed one chunk at a time as a microphone would, so that the
features, caches and search are sherpa-onnx's own. Timed: the whole decode for the real-time
factor, and each decode_stream call (one encoder chunk and its search) for the per-chunk time."""
import time
from pathlib import Path
from typing import List, Tuple

import numpy as np
import onnxruntime as ort
import sherpa_onnx
from lhotse import CutSet

from icefall_ext.decoding.scoring import Result
from icefall_ext.decoding.streaming_audio import FRAME_SHIFT_SAMPLES, tail_padding
from icefall_ext.decoding.streaming_files import StreamingTiming
from icefall_ext.tokens.bpe import recognised_words
from recipe_common.errors import InputError


def encoder_chunk_frames(encoder: Path) -> int:
    """decode_chunk_len of a streaming encoder: the feature frames sherpa-onnx advances by per call."""
    meta = ort.InferenceSession(str(encoder), providers=["CPUExecutionProvider"]).get_modelmeta().custom_metadata_map
    try:
        return int(meta["decode_chunk_len"])
    except KeyError:
        raise InputError(f"{encoder}: not a streaming encoder (no T and decode_chunk_len in its metadata; "
                         "export it with icefall_ext.bin.export_onnx_streaming)")


def make_online_recognizer(onnx_dir: Path, method: str, beam: int, num_threads: int = 1,
                           **options) -> "sherpa_onnx.OnlineRecognizer":
    """options: more keyword arguments of OnlineRecognizer.from_transducer (endpoint rules)."""
    files = {name: onnx_dir / f"{name}.onnx" for name in ("encoder", "decoder", "joiner")}
    files["tokens"] = onnx_dir / "tokens.txt"
    for path in files.values():
        if not path.is_file():
            raise InputError(f"{path}: does not exist (run the streaming export stage first)")
    return sherpa_onnx.OnlineRecognizer.from_transducer(
        tokens=str(files["tokens"]), encoder=str(files["encoder"]), decoder=str(files["decoder"]),
        joiner=str(files["joiner"]), num_threads=num_threads, sample_rate=16000, feature_dim=80,
        decoding_method=method, max_active_paths=beam, **options,
    )


def decode_with_sherpa_online(
    recognizer, cuts: CutSet, chunk_frames: int, num_threads: int = 1
) -> Tuple[List[Result], StreamingTiming]:
    """(results, timing); audio is loaded before the clock starts, given the tail padding that
    completes its last chunk (streaming_audio.tail_padding) and fed `chunk_frames` x 10 ms at a time."""
    results: List[Result] = []
    elapsed = audio_seconds = chunk_seconds = 0.0
    num_chunks = 0
    piece = chunk_frames * FRAME_SHIFT_SAMPLES
    for cut in cuts:
        samples = cut.resample(16000).load_audio()[0].astype(np.float32)
        samples = np.concatenate([samples, np.zeros(tail_padding(len(samples), chunk_frames), np.float32)])
        start = time.perf_counter()
        stream = recognizer.create_stream()
        for k in range(0, len(samples), piece):
            stream.accept_waveform(16000, samples[k : k + piece])
            if k + piece >= len(samples):
                stream.input_finished()
            while recognizer.is_ready(stream):
                t = time.perf_counter()
                recognizer.decode_stream(stream)
                chunk_seconds += time.perf_counter() - t
                num_chunks += 1
        text = recognizer.get_result(stream)
        elapsed += time.perf_counter() - start
        audio_seconds += cut.duration
        results.append((cut.id, cut.supervisions[0].text.split(), recognised_words(text)))
    return results, StreamingTiming(elapsed, audio_seconds, num_threads, num_chunks, chunk_seconds)
