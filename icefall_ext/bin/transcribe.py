#!/usr/bin/env python3
"""Transcribes your own audio with a trained checkpoint (icefall's pretrained.py).

    python -m icefall_ext.bin.transcribe --config conf/tiny.yaml --exp-dir exp/transducer \
        --bpe-model data/lang_bpe/bpe.model a.wav b.flac ...
    python -m icefall_ext.bin.transcribe ... --wav-scp data/test_open/wav.scp

Prints `<utt-id> <text>` per file (utt-id = the wav.scp key, or the file name). Audio of
any sampling rate is resampled to 16 kHz; multi-channel audio uses channel 0.
"""
import argparse
from pathlib import Path
from typing import List, Tuple

import numpy as np
import soundfile as sf
import torch
from lhotse import Recording

from icefall_ext.data.kaldi_dir import read_wav_scp
from icefall_ext.decoding.search import SearchOptions, decode_features, method_names
from icefall_ext.features.kaldi_native_fbank import KnfFbankConfig, compute_knf_fbank
from icefall_ext.models.load import add_model_arguments, load_transducer_from_args
from recipe_common.cli import run_main
from recipe_common.errors import InputError


def load_16k(path: Path) -> np.ndarray:
    if not path.is_file():
        raise InputError(f"{path}: audio file does not exist")
    try:
        info = sf.info(str(path))
    except Exception as e:
        raise InputError(f"{path}: unreadable audio file ({type(e).__name__})")
    if info.frames == 0:
        raise InputError(f"{path}: zero-length audio file")
    rec = Recording.from_file(path)
    if rec.sampling_rate != 16000:
        rec = rec.resample(16000)
    return rec.load_audio()[0]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--decoding-method", default="modified_beam_search", choices=method_names())
    p.add_argument("--beam", type=int, default=4)
    p.add_argument("--wav-scp", type=Path, default=None)
    p.add_argument("wavs", nargs="*", type=Path)
    args = p.parse_args()
    inputs: List[Tuple[str, Path]] = [(w.stem, w) for w in args.wavs]
    if args.wav_scp is not None:
        inputs += read_wav_scp(args.wav_scp)
    if not inputs:
        raise InputError("no audio given: pass wav files or --wav-scp")
    model, tokenizer, _, _ = load_transducer_from_args(args)
    fbank_cfg = KnfFbankConfig(num_mel_bins=model.cfg.encoder.num_features)
    for utt, path in inputs:
        feats = torch.from_numpy(compute_knf_fbank(load_16k(path), 16000, fbank_cfg)).unsqueeze(0)
        hyp = decode_features(model, feats, torch.tensor([feats.shape[1]]), args.decoding_method, SearchOptions(args.beam))[0]
        print(f"{utt} {tokenizer.decode(hyp)}", flush=True)


if __name__ == "__main__":
    run_main(main)
