#!/usr/bin/env python3
"""Transcribes your own audio with a trained checkpoint (icefall's pretrained.py).

    python -m icefall_ext.bin.transcribe --config conf/tiny.yaml --exp-dir exp/transducer \
        --bpe-model data/lang_bpe/bpe.model a.wav b.flac ...
    python -m icefall_ext.bin.transcribe ... --wav-scp data/test_open/wav.scp

Prints `<utt-id> <text>` per file (utt-id = the wav.scp key, or the file name). Audio of
any sampling rate is resampled to 16 kHz; multi-channel audio uses --channel (default 0),
with a warning when that channel is silent and another is not. Files longer than
--max-segment seconds are cut at pauses and decoded piece by piece. A file that cannot be
read is named on stderr and skipped; the exit status is then 1.
"""
import argparse
import sys
from pathlib import Path
from typing import List, Tuple

from icefall_ext.data.kaldi_dir import read_wav_scp
from icefall_ext.decoding.search import SearchOptions, method_names
from icefall_ext.decoding.segmentation import SegmentationConfig
from icefall_ext.decoding.transcribe import make_recogniser, transcribe_files
from icefall_ext.models.load import add_model_arguments, load_transducer_from_args
from recipe_common.cli import run_main
from recipe_common.errors import InputError


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--decoding-method", default="modified_beam_search", choices=method_names())
    p.add_argument("--beam", type=int, default=4)
    p.add_argument("--channel", type=int, default=0, help="channel of multi-channel files (0 = the first)")
    p.add_argument("--max-segment", type=float, default=SegmentationConfig.max_segment,
                   help="seconds; longer files are cut at pauses (0: never)")
    p.add_argument("--wav-scp", type=Path, default=None)
    p.add_argument("wavs", nargs="*", type=Path)
    args = p.parse_args()
    if args.channel < 0:
        raise InputError(f"--channel {args.channel}: must be 0 or more")
    inputs: List[Tuple[str, Path]] = [(w.stem, w) for w in args.wavs]
    if args.wav_scp is not None:
        inputs += read_wav_scp(args.wav_scp)
    if not inputs:
        raise InputError("no audio given: pass wav files or --wav-scp")
    model, tokenizer, _, _ = load_transducer_from_args(args)
    recognise = make_recogniser(model, tokenizer, args.decoding_method, SearchOptions(args.beam))
    prog = Path(sys.argv[0]).name
    failed = transcribe_files(inputs, recognise, args.channel, SegmentationConfig(max_segment=args.max_segment),
                              sys.stdout, sys.stderr, prog)
    if failed:
        raise InputError(f"{failed} of {len(inputs)} files could not be transcribed (named above)")


if __name__ == "__main__":
    run_main(main)
