#!/usr/bin/env python3
"""Decodes long files (icefall_ext.bin.make_long_files) as `transcribe` does, cut at pauses, and
decoded whole, so that RESULTS.md shows what the segmentation buys.

    python -m icefall_ext.bin.decode_long_files --config conf/tiny.yaml --exp-dir exp/transducer \
        --bpe-model data/lang_bpe/bpe.model --data-dir data/test_long [--epoch 12 --avg 2]

Writes EXP_DIR/<method>/recogs-test_long-<suffix>.txt (cut at pauses, --max-segment) and
recogs-test_long_unsegmented-<suffix>.txt (whole), suffix = epoch-E-avg-A, for every method
of decode.methods; icefall_ext.bin.score turns them into errs-* and wer-summary-*.
"""
import argparse
import logging
import time
from pathlib import Path

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.data.audio import load_channel
from icefall_ext.data.kaldi_dir import read_mapping, read_wav_scp
from icefall_ext.data.long_audio import LONG_SET, LONG_SET_WHOLE, SAMPLE_RATE
from icefall_ext.decoding.scoring import write_recogs
from icefall_ext.decoding.search import SearchOptions, check_methods
from icefall_ext.decoding.segmentation import SegmentationConfig
from icefall_ext.decoding.transcribe import make_recogniser, recognise_in_segments
from icefall_ext.models.load import add_model_arguments, load_transducer_from_args
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--data-dir", required=True, type=Path, help="wav.scp and text of the long files")
    p.add_argument("--max-segment", type=float, default=SegmentationConfig.max_segment,
                   help="seconds; the segmented decoding cuts longer files at pauses, as transcribe")
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig).decode
    check_methods(cfg.methods, f"{args.config}: decode.methods")
    problems = []
    text = read_mapping(args.data_dir / "text", problems, allow_empty=True)
    if problems:
        raise InputError(problems[0])
    refs = text[0]
    files = read_wav_scp(args.data_dir / "wav.scp")
    missing = [utt for utt, _ in files if utt not in refs]
    if missing:
        raise InputError(f"{args.data_dir}/text: no transcript for '{missing[0]}' ({len(missing)} files without one)")
    model, tokenizer, epoch, avg = load_transducer_from_args(args)
    setup_logger(args.exp_dir / "log" / "log-decode-long")
    audio = {utt: load_channel(path, 0, SAMPLE_RATE)[0] for utt, path in files}
    suffix = f"epoch-{epoch}-avg-{avg}"
    for method in cfg.methods:
        recognise = make_recogniser(model, tokenizer, method, SearchOptions(cfg.beam))
        for name, max_segment in ((LONG_SET, args.max_segment), (LONG_SET_WHOLE, 0.0)):
            start, results = time.time(), []
            for utt, samples in audio.items():
                words, _ = recognise_in_segments(samples, recognise, SegmentationConfig(max_segment=max_segment))
                results.append((utt, refs[utt].split(), words.split()))
            path = args.exp_dir / method / f"recogs-{name}-{suffix}.txt"
            write_recogs(path, results)
            logging.info(f"{method} {name}: {len(results)} files in {time.time() - start:.1f} s, wrote {path}")


if __name__ == "__main__":
    run_main(main)
