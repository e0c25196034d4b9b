#!/usr/bin/env python3
"""Exports a trained transducer for sherpa-onnx (icefall's export-onnx.py).

    python -m icefall_ext.bin.export_onnx --config conf/tiny.yaml --exp-dir exp/transducer \
        --bpe-model data/lang_bpe/bpe.model [--epoch E --avg A]
Writes EXP_DIR/onnx/{encoder,decoder,joiner}.onnx and tokens.txt, and ctc.onnx (the encoder with
its CTC head, for sherpa-onnx's CTC recogniser) where the model has one; then checks onnxruntime's
outputs against PyTorch's and fails if they differ by more than --tolerance.
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.export.onnx_ctc import check_ctc_export, export_ctc
from icefall_ext.export.onnx_transducer import check_export, export_transducer
from icefall_ext.models.load import add_model_arguments, load_transducer_from_args
from recipe_common.cli import run_main
from recipe_common.errors import InputError


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--out-dir", type=Path, default=None, help="default: EXP_DIR/onnx")
    p.add_argument("--tolerance", type=float, default=1e-3)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(filename)s:%(lineno)d] %(message)s")
    model, tokenizer, epoch, avg = load_transducer_from_args(args)
    out_dir = args.out_dir or args.exp_dir / "onnx"
    paths = export_transducer(model, out_dir, model.cfg.encoder.num_features)
    tokenizer.write_tokens_txt(out_dir / "tokens.txt")
    diff = check_export(model, paths, model.cfg.encoder.num_features)
    if model.ctc_output is not None:
        ctc = export_ctc(model, out_dir / "ctc.onnx", model.cfg.encoder.num_features)
        diff = max(diff, check_ctc_export(model, ctc, model.cfg.encoder.num_features))
    logging.info(f"exported epoch {epoch} avg {avg} to {out_dir}; max |onnx - torch| = {diff:.2e}")
    if diff > args.tolerance:
        raise InputError(f"{out_dir}: ONNX outputs differ from PyTorch by {diff:.2e} (> {args.tolerance})")


if __name__ == "__main__":
    run_main(main)
