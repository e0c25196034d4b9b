"""Where the streaming stages keep their results and what they call them, in one place for the
decoders that write them and RESULTS.md that reads them; and the timing file of a sherpa-onnx
streaming decode (RTF and the mean compute time of one chunk).

    EXP/streaming_<method>/recogs-<test>-chunk-<C>-epoch-E-avg-A.txt   PyTorch streaming, C feature frames a chunk
    EXP/<method>/recogs-<test>-full-context-epoch-E-avg-A.txt          the same causal model, attention over the whole utterance
    EXP/onnx_streaming/chunk-<C>/{encoder,decoder,joiner}.onnx, tokens.txt
    EXP/onnx_streaming/<method>/recogs-<test>-chunk-<C>.txt, timing-<test>-chunk-<C>.json   sherpa-onnx OnlineRecognizer
Each NAME (`test-chunk-32-epoch-3-avg-1`) is scored by decoding/scoring.py as any other.
"""
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import List, Optional, Union

from icefall_ext.models.transducer import Transducer
from recipe_common.errors import InputError
from recipe_common.io import write_text_atomic

FULL_CONTEXT = "full-context"
ONNX_STREAMING = "onnx_streaming"


def streaming_method(method: str) -> str:
    """The registered streaming search of an offline method (decoding/search.py)."""
    return f"streaming_{method}"


def chunk_name(test: str, chunk_frames: int) -> str:
    return f"{test}-chunk-{chunk_frames}"


def full_context_name(test: str) -> str:
    return f"{test}-{FULL_CONTEXT}"


def onnx_chunk_dir(exp_dir: Union[str, Path], chunk_frames: int) -> Path:
    """The ONNX files of an encoder exported for chunks of `chunk_frames` feature frames."""
    return Path(exp_dir) / ONNX_STREAMING / f"chunk-{chunk_frames}"


def sherpa_streaming_dir(exp_dir: Union[str, Path], method: str) -> Path:
    return Path(exp_dir) / ONNX_STREAMING / method


def check_streaming_chunks(model: Transducer, chunk_frames: List[int], where: str) -> None:
    """One line (InputError) for a non-causal model or a chunk it cannot stream in."""
    for chunk in chunk_frames:
        try:
            model.encoder.streaming_chunk_size(chunk)
        except ValueError as e:
            raise InputError(f"{where}: {e}")


@dataclass
class StreamingTiming:
    """A streaming decode's clock: all of it (features, encoder, search) against the audio, and the
    encoder-plus-search calls alone, one per chunk."""

    decoding_seconds: float
    audio_seconds: float
    num_threads: int
    num_chunks: int
    chunk_seconds: float  # summed over the chunks

    @property
    def rtf(self) -> float:
        return self.decoding_seconds / max(self.audio_seconds, 1e-9)

    @property
    def mean_chunk_ms(self) -> float:
        return 1000.0 * self.chunk_seconds / max(self.num_chunks, 1)


def write_timing(path: Union[str, Path], timing: StreamingTiming) -> None:
    write_text_atomic(path, json.dumps({**asdict(timing), "rtf": timing.rtf, "mean_chunk_ms": timing.mean_chunk_ms},
                                       indent=1) + "\n")


def read_timing(path: Union[str, Path]) -> Optional[StreamingTiming]:
    """None when the file does not exist."""
    if not Path(path).is_file():
        return None
    try:
        d = json.loads(Path(path).read_text())
        return StreamingTiming(float(d["decoding_seconds"]), float(d["audio_seconds"]), int(d["num_threads"]),
                               int(d["num_chunks"]), float(d["chunk_seconds"]))
    except (ValueError, KeyError, TypeError):
        raise InputError(f"{path}: not a streaming timing file (expected JSON with decoding_seconds, audio_seconds, "
                         "num_threads, num_chunks, chunk_seconds)")
