#!/usr/bin/env python3
"""Decodes test sets with a causal transducer in PyTorch, streaming: chunk by chunk through the
encoder's caches (decoding/streaming.py) at each chunk size of streaming.chunk_frames, from the
audio as a stream sees it (decoding/streaming_audio.py, the frames sherpa-onnx's OnlineRecognizer
encodes); and once from the stored features with attention over the whole utterance (the
full-context reference of the same model).

    python -m icefall_ext.bin.decode_streaming --config conf/tiny_streaming.yaml --exp-dir exp/transducer \
        --bpe-model data/lang_bpe/bpe.model --test-cuts test=data/fbank/cuts_test.jsonl.gz \
        [--epoch E --avg A] [--chunk-frames 16 32 64]

Writes EXP_DIR/streaming_<method>/recogs-<test>-chunk-<C>-epoch-E-avg-A.txt for every method of
streaming.methods (greedy_search, modified_beam_search; beam decode.beam) and chunk C (feature
frames, 10 ms each), and EXP_DIR/<method>/recogs-<test>-full-context-epoch-E-avg-A.txt;
icefall_ext.bin.score scores them. A chunk that is not a multiple of the subsampling factor (4)
and a model that is not causal are one-line errors.
"""
import argparse
import dataclasses
import logging

from lhotse import CutSet

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.decoding.scoring import write_recogs
from icefall_ext.decoding.search import decode_cuts, load_search_options
from icefall_ext.decoding.streaming_audio import decode_cuts_streaming
from icefall_ext.decoding.streaming_files import check_streaming_chunks, chunk_name, full_context_name, streaming_method
from icefall_ext.features.kaldi_native_fbank import KaldiNativeFbank  # noqa: F401  (registers the extractor)
from icefall_ext.models.load import add_model_arguments, load_transducer_from_args
from recipe_common.cli import parse_named_paths, run_main
from recipe_common.config import load_config
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--test-cuts", required=True, nargs="+", help="NAME=PATH of a cut manifest with features")
    p.add_argument("--chunk-frames", type=int, nargs="+", default=None, help="default: streaming.chunk_frames")
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig)
    chunks = args.chunk_frames or cfg.streaming.chunk_frames
    test_sets = parse_named_paths(args.test_cuts, "--test-cuts", "cut manifest")
    model, tokenizer, epoch, avg = load_transducer_from_args(args)
    check_streaming_chunks(model, chunks, f"{args.exp_dir}/epoch-{epoch}.pt ({args.config})")
    options = load_search_options(cfg.decode, tokenizer.vocab_size, next(model.parameters()).device)
    setup_logger(args.exp_dir / "log" / "log-decode-streaming")
    suffix = f"epoch-{epoch}-avg-{avg}"
    for name, path in test_sets:
        cuts = CutSet.from_file(path)
        for method in cfg.streaming.methods:
            for chunk in chunks:
                out = args.exp_dir / streaming_method(method) / f"recogs-{chunk_name(name, chunk)}-{suffix}.txt"
                write_recogs(out, decode_cuts_streaming(model, tokenizer, cuts, streaming_method(method),
                                                        dataclasses.replace(options, chunk_frames=chunk)))
                logging.info(f"{streaming_method(method)} {name}: wrote {out}")
            out = args.exp_dir / method / f"recogs-{full_context_name(name)}-{suffix}.txt"
            write_recogs(out, decode_cuts(model, tokenizer, cuts, method, dataclasses.replace(options, full_context=True),
                                          cfg.decode.max_duration))
            logging.info(f"{method} full context {name}: wrote {out}")


if __name__ == "__main__":
    run_main(main)
