#!/usr/bin/env python3
"""Decodes test sets with the exported model through sherpa-onnx and scores them.

    python -m icefall_ext.bin.sherpa_decode --onnx-dir exp/transducer/onnx \
        --test-cuts test=data/manifests/fsdd_cuts_test.jsonl.gz [--decoding-method greedy_search]

Audio is read from the cuts' recordings, so features are computed by sherpa-onnx itself.
Writes ONNX_DIR/<method>/recogs-<test>.txt (scored by icefall_ext.bin.score) and
rtf-<test>.txt with the real-time factor (decoding time / audio duration, --num-threads).
"""
import argparse
import logging
import time
from pathlib import Path
from typing import List, Tuple

import sherpa_onnx
from lhotse import CutSet

from icefall_ext.bin.decode import parse_test_sets
from icefall_ext.decoding.scoring import Result, write_recogs
from icefall_ext.utils.cli import run_main
from icefall_ext.utils.errors import InputError
from icefall_ext.utils.io import write_text_atomic

METHODS = ("greedy_search", "modified_beam_search")


def make_recognizer(onnx_dir: Path, method: str, beam: int, num_threads: int = 1) -> "sherpa_onnx.OfflineRecognizer":
    files = {name: onnx_dir / f"{name}.onnx" for name in ("encoder", "decoder", "joiner")}
    files["tokens"] = onnx_dir / "tokens.txt"
    for path in files.values():
        if not path.is_file():
            raise InputError(f"{path}: does not exist (run the export stage first)")
    return sherpa_onnx.OfflineRecognizer.from_transducer(
        encoder=str(files["encoder"]),
        decoder=str(files["decoder"]),
        joiner=str(files["joiner"]),
        tokens=str(files["tokens"]),
        num_threads=num_threads,
        sample_rate=16000,
        feature_dim=80,
        decoding_method=method,
        max_active_paths=beam,
    )


def decode_with_sherpa(recognizer, cuts: CutSet) -> Tuple[List[Result], float, float]:
    """(results, decoding seconds, audio seconds); audio is loaded before the clock starts."""
    results: List[Result] = []
    elapsed = audio_seconds = 0.0
    for cut in cuts:
        samples = cut.load_audio()[0]
        start = time.perf_counter()
        stream = recognizer.create_stream()
        stream.accept_waveform(cut.sampling_rate, samples)
        recognizer.decode_stream(stream)
        elapsed += time.perf_counter() - start
        audio_seconds += cut.duration
        results.append((cut.id, cut.supervisions[0].text.split(), stream.result.text.split()))
    return results, elapsed, audio_seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--onnx-dir", required=True, type=Path)
    p.add_argument("--test-cuts", required=True, nargs="+", help="NAME=PATH of a cut manifest with recordings")
    p.add_argument("--decoding-method", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--beam", type=int, default=4)
    p.add_argument("--num-threads", type=int, default=1)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(filename)s:%(lineno)d] %(message)s")
    test_sets = parse_test_sets(args.test_cuts)
    for method in args.decoding_method:
        recognizer = make_recognizer(args.onnx_dir, method, args.beam, args.num_threads)
        out_dir = args.onnx_dir / method
        for name, path in test_sets:
            results, elapsed, audio = decode_with_sherpa(recognizer, CutSet.from_file(path))
            write_recogs(out_dir / f"recogs-{name}.txt", results)
            rtf = elapsed / audio
            write_text_atomic(
                out_dir / f"rtf-{name}.txt",
                f"decoding_seconds\taudio_seconds\tnum_threads\trtf\n{elapsed:.3f}\t{audio:.3f}\t{args.num_threads}\t{rtf:.4f}\n",
            )
            logging.info(f"sherpa-onnx {method} {name}: RTF {rtf:.4f} ({args.num_threads} thread)")


if __name__ == "__main__":
    run_main(main)
