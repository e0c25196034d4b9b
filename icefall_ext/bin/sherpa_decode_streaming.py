#!/usr/bin/env python3
"""Decodes test sets through sherpa-onnx's OnlineRecognizer on the streaming exports, the audio
fed one chunk at a time, and times it.

    python -m icefall_ext.bin.sherpa_decode_streaming --exp-dir exp/transducer \
        --test-cuts test=data/manifests/an4_cuts_test.jsonl.gz --chunk-frames 16 32 64 \
        [--decoding-method greedy_search modified_beam_search] [--beam 4] [--num-threads 1]

Reads EXP_DIR/onnx_streaming/chunk-<C>/ (icefall_ext.bin.export_onnx_streaming); writes
EXP_DIR/onnx_streaming/<method>/recogs-<test>-chunk-<C>.txt (scored by icefall_ext.bin.score) and
timing-<test>-chunk-<C>.json: the real-time factor on --num-threads and the mean compute time of
one chunk (encoder and search), which RESULTS.md reports.
"""
import argparse
import logging
from pathlib import Path

from lhotse import CutSet

from icefall_ext.asr_config import STREAMING_SEARCHES
from icefall_ext.decoding.scoring import write_recogs
from icefall_ext.decoding.sherpa_onnx_streaming import decode_with_sherpa_online, encoder_chunk_frames, make_online_recognizer
from icefall_ext.decoding.streaming_files import chunk_name, onnx_chunk_dir, sherpa_streaming_dir, write_timing
from recipe_common.cli import parse_named_paths, run_main
from recipe_common.errors import InputError
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--test-cuts", required=True, nargs="+", help="NAME=PATH of a cut manifest with recordings")
    p.add_argument("--chunk-frames", required=True, type=int, nargs="+", help="the exported chunk sizes to decode with")
    p.add_argument("--decoding-method", nargs="+", choices=STREAMING_SEARCHES, default=list(STREAMING_SEARCHES))
    p.add_argument("--beam", type=int, default=4)
    p.add_argument("--num-threads", type=int, default=1)
    args = p.parse_args()
    setup_logger()
    test_sets = parse_named_paths(args.test_cuts, "--test-cuts", "cut manifest")
    for chunk in args.chunk_frames:
        onnx_dir = onnx_chunk_dir(args.exp_dir, chunk)
        exported = encoder_chunk_frames(onnx_dir / "encoder.onnx") if (onnx_dir / "encoder.onnx").is_file() else chunk
        if exported != chunk:
            raise InputError(f"{onnx_dir}/encoder.onnx: exported for chunks of {exported} frames, not {chunk}")
        for method in args.decoding_method:
            recognizer = make_online_recognizer(onnx_dir, method, args.beam, args.num_threads)
            out_dir = sherpa_streaming_dir(args.exp_dir, method)
            for name, path in test_sets:
                results, timing = decode_with_sherpa_online(recognizer, CutSet.from_file(path), chunk, args.num_threads)
                write_recogs(out_dir / f"recogs-{chunk_name(name, chunk)}.txt", results)
                write_timing(out_dir / f"timing-{chunk_name(name, chunk)}.json", timing)
                logging.info(f"sherpa-onnx streaming {method} {name}, chunk {chunk}: RTF {timing.rtf:.4f}, "
                             f"{timing.mean_chunk_ms:.2f} ms a chunk ({args.num_threads} thread)")


if __name__ == "__main__":
    run_main(main)
