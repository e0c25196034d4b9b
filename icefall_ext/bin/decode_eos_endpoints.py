#!/usr/bin/env python3
"""End-of-sentence endpointing of test sets with an <eos> transducer (decoding/eos_endpoint.py):
greedy search in streaming chunks of endpointing.chunk_frames, the utterance ended where the model
emits <eos>, each utterance followed by every trailing silence of endpointing.trailing_silence.

    python -m icefall_ext.bin.decode_eos_endpoints --config conf/tiny_eos.yaml --exp-dir exp/transducer_eos/eos_late_1 \
        --bpe-model data/lang_bpe_eos/bpe.model --avg 1 --system eos-late-1 --out-exp-dir exp/transducer_eos \
        --test-cuts test=exp/transducer_eos/align/cuts_test.jsonl.gz

The cuts carry word alignments (icefall_ext.bin.align_cuts), the reference ends. Writes
OUT_EXP_DIR/endpoints/SYSTEM/endpoints-<test>-silence-<S>.tsv (decoding/endpoint_files.py).
"""
import argparse
from pathlib import Path

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.decoding.endpoint_files import endpoint_test_sets
from icefall_ext.decoding.eos_endpoint import endpoint_cuts_eos
from icefall_ext.models.load import add_model_arguments, load_transducer_from_args
from recipe_common.cli import parse_named_paths, run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--system", required=True, help="the name its results go under (eos-late-W)")
    p.add_argument("--out-exp-dir", required=True, type=Path, help="the recipe's exp dir, which holds endpoints/")
    p.add_argument("--test-cuts", required=True, nargs="+", help="NAME=PATH of a cut manifest with word alignments")
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig)
    test_sets = parse_named_paths(args.test_cuts, "--test-cuts", "cut manifest")
    model, tokenizer, epoch, _ = load_transducer_from_args(args)
    if tokenizer.eos_id is None:
        raise InputError(f"{args.bpe_model}: has no <eos>; EOS endpointing needs a model trained with tokens.eos: true")
    try:
        model.encoder.streaming_chunk_size(cfg.endpointing.chunk_frames)
    except ValueError as e:
        raise InputError(f"{args.exp_dir}/epoch-{epoch}.pt ({args.config}): {e}")
    setup_logger(args.out_exp_dir / "log" / f"log-endpoints-{args.system}")
    endpoint_test_sets(lambda cuts, silence: endpoint_cuts_eos(model, tokenizer, cuts, cfg.endpointing.chunk_frames, silence),
                       args.system, args.out_exp_dir, test_sets, cfg.endpointing.trailing_silence)


if __name__ == "__main__":
    run_main(main)
