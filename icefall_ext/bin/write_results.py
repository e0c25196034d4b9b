#!/usr/bin/env python3
"""Writes RESULTS.md from the measured files of a recipe run and prints it.

    python -m icefall_ext.bin.write_results --config conf/tiny.yaml --exp-dir exp/transducer \
        --test-sets test test_open --command "./run.sh --stage 0" --out RESULTS.md

Reads, for every method of decode.methods, EXP_DIR/<method>/wer-summary-<test>-epoch-E-avg-A.txt
(PyTorch, the newest), EXP_DIR/onnx/<method>/wer-summary-<test>.txt and rtf-<test>.txt
(sherpa-onnx), for a causal model (model.encoder.causal) the streaming stages' files
(decoding/streaming_files.py) at streaming.chunk_frames, the endpointing stages' EXP_DIR/endpoints/metrics.tsv
(icefall_ext/endpoint_results.py, with the endpointing section's targets), the training history,
EXP_DIR/log/loss.tsv, EXP_DIR/train_speed.json when
icefall_ext.bin.train_speed has measured it, and the anchors and targets of the config's
`results` section. Nothing is typed in by hand.
"""
import argparse
from pathlib import Path

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.decoding.endpoint_files import ENDPOINTS
from icefall_ext.endpoint_results import read_metrics, report_lines
from icefall_ext.results import build_report
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.io import write_text_atomic


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--test-sets", required=True, nargs="+")
    p.add_argument("--command", required=True)
    p.add_argument("--title", default="Results")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--manifest-prefix", default=None,
                   help="e.g. data/manifests/fsdd_cuts_: PREFIX<test>.jsonl.gz, read for each test set's speakers "
                        "and results.age_groups")
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig)
    if not args.exp_dir.is_dir():
        raise InputError(f"{args.exp_dir}: experiment directory does not exist")
    manifests = {t: Path(f"{args.manifest_prefix}{t}.jsonl.gz") for t in args.test_sets} if args.manifest_prefix else None
    streaming = cfg.streaming if getattr(cfg.model.encoder, "causal", False) else None
    report = build_report(args.exp_dir, cfg.decode.methods, args.test_sets, args.command, args.title, cfg.results,
                          manifests, streaming.methods if streaming else (), streaming.chunk_frames if streaming else ())
    endpoints = read_metrics(args.exp_dir / ENDPOINTS / "metrics.tsv")
    if endpoints:
        report += "\n" + "\n".join(report_lines(endpoints, args.test_sets, cfg.endpointing)) + "\n"
    write_text_atomic(args.out, report)
    print(report)


if __name__ == "__main__":
    run_main(main)
