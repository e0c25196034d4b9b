#!/usr/bin/env python3
"""Exports a causal transducer for sherpa-onnx's OnlineRecognizer (icefall's export-onnx-streaming.py),
one encoder per chunk size (sherpa-onnx reads T and decode_chunk_len from its metadata).

    python -m icefall_ext.bin.export_onnx_streaming --config conf/tiny_streaming.yaml --exp-dir exp/transducer \
        --bpe-model data/lang_bpe/bpe.model [--epoch E --avg A] [--chunk-frames 16 32 64]

Writes EXP_DIR/onnx_streaming/chunk-<C>/{encoder,decoder,joiner}.onnx and tokens.txt for every
chunk C of streaming.chunk_frames (feature frames), then checks onnxruntime's encoder against the
PyTorch streaming encoder chunk by chunk, outputs and caches, and fails above --tolerance. A model
that is not causal, or a chunk that is not a multiple of the subsampling factor, is one line.
"""
import argparse
import logging

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.decoding.streaming_files import check_streaming_chunks, onnx_chunk_dir
from icefall_ext.export.onnx_streaming import check_streaming_export, export_streaming_transducer
from icefall_ext.models.load import add_model_arguments, load_transducer_from_args
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--chunk-frames", type=int, nargs="+", default=None, help="default: streaming.chunk_frames")
    p.add_argument("--tolerance", type=float, default=1e-3)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(filename)s:%(lineno)d] %(message)s")
    chunks = args.chunk_frames or load_config(args.config, AsrRecipeConfig).streaming.chunk_frames
    model, tokenizer, epoch, avg = load_transducer_from_args(args)
    check_streaming_chunks(model, chunks, f"{args.exp_dir}/epoch-{epoch}.pt ({args.config})")
    for chunk in chunks:
        out_dir = onnx_chunk_dir(args.exp_dir, chunk)
        paths = export_streaming_transducer(model, out_dir, chunk)
        tokenizer.write_tokens_txt(out_dir / "tokens.txt")
        diff = check_streaming_export(model, paths["encoder"], chunk)
        logging.info(f"exported epoch {epoch} avg {avg}, chunks of {chunk} frames, to {out_dir}; "
                     f"max |onnx - torch| over 5 chunks = {diff:.2e}")
        if diff > args.tolerance:
            raise InputError(f"{paths['encoder']}: ONNX outputs differ from the PyTorch streaming encoder by "
                             f"{diff:.2e} (> {args.tolerance})")


if __name__ == "__main__":
    run_main(main)
