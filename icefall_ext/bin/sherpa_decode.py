#!/usr/bin/env python3
"""Decodes test sets with the exported model through sherpa-onnx.

    python -m icefall_ext.bin.sherpa_decode --onnx-dir exp/transducer/onnx \
        --test-cuts test=data/manifests/fsdd_cuts_test.jsonl.gz [--decoding-method greedy_search]

Audio is read from the cuts' recordings, so features are computed by sherpa-onnx itself.
Writes ONNX_DIR/<method>/recogs-<test>.txt (scored by icefall_ext.bin.score) and
rtf-<test>.txt with the real-time factor (decoding time / audio duration, --num-threads).

modified_beam_search_lm_rescore and _LODR rescore the final beam with ONNX_DIR/lm.onnx at
--lm-scale (and ONNX_DIR/lodr.fst at --lodr-scale), as bin/export_lm_onnx.py writes them; their
scales are appended to the file names as bin/decode.py appends them (`recogs-test-lm-scale-0.3.txt`).
"""
import argparse
import logging
from pathlib import Path

from lhotse import CutSet

from icefall_ext.decoding.scoring import write_recogs, write_rtf
from icefall_ext.decoding.search import method_names, method_scales, scale_suffix
from icefall_ext.decoding.sherpa_onnx import decode_with_sherpa, make_recognizer
from recipe_common.cli import parse_named_paths, run_main
from recipe_common.logging import setup_logger


def main() -> None:
    methods = method_names(sherpa_onnx=True)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--onnx-dir", required=True, type=Path)
    p.add_argument("--test-cuts", required=True, nargs="+", help="NAME=PATH of a cut manifest with recordings")
    p.add_argument("--decoding-method", nargs="+", choices=methods,
                   default=[m for m in methods if not method_scales(m)])
    p.add_argument("--beam", type=int, default=4)
    p.add_argument("--num-threads", type=int, default=1)
    p.add_argument("--lm-scale", type=float, default=0.1, help="sherpa-onnx's lm_scale (LM-rescoring methods)")
    p.add_argument("--lodr-scale", type=float, default=0.0, help="sherpa-onnx's lodr_scale (negative, as icefall's)")
    args = p.parse_args()
    setup_logger()
    test_sets = parse_named_paths(args.test_cuts, "--test-cuts", "cut manifest")
    for method in args.decoding_method:
        scales = {name: getattr(args, name) for name in method_scales(method)}
        recognizer = make_recognizer(args.onnx_dir, method, args.beam, args.num_threads, scales)
        out_dir = args.onnx_dir / method
        for name, path in test_sets:
            results, timing = decode_with_sherpa(recognizer, CutSet.from_file(path), args.num_threads)
            write_recogs(out_dir / f"recogs-{name}{scale_suffix(scales)}.txt", results)
            write_rtf(out_dir / f"rtf-{name}{scale_suffix(scales)}.txt", timing)
            logging.info(f"sherpa-onnx {method} {name}: RTF {timing.rtf:.4f} ({args.num_threads} thread)")


if __name__ == "__main__":
    run_main(main)
