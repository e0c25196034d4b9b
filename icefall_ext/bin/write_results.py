#!/usr/bin/env python3
"""Writes RESULTS.md from the measured files of a recipe run and prints it.

    python -m icefall_ext.bin.write_results --exp-dir exp/transducer --test-sets test test_open \
        --command "./run.sh --stage 0" --out RESULTS.md

Reads EXP_DIR/<method>/wer-summary-<test>-epoch-E-avg-A.txt (PyTorch), the newest of each;
EXP_DIR/onnx/<method>/wer-summary-<test>.txt and rtf-<test>.txt (sherpa-onnx); and the
training history in EXP_DIR/log/loss.tsv; EXP_DIR/train_speed.json when
icefall_ext.bin.train_speed has measured it. Nothing is typed in by hand.
"""
import argparse
import csv
import json
import os
import platform
import re
from pathlib import Path
from typing import Dict, List, Optional

from icefall_ext.utils.errors import InputError
from icefall_ext.utils.cli import run_main
from icefall_ext.utils.io import write_text_atomic

METHODS = ("greedy_search", "modified_beam_search")


def read_wer(path: Path) -> Optional[float]:
    if not path.is_file():
        return None
    return float(path.read_text().splitlines()[1].split("\t")[1])


def newest_torch_summary(exp_dir: Path, method: str, test: str) -> Optional[Path]:
    found = sorted((exp_dir / method).glob(f"wer-summary-{test}-epoch-*-avg-*.txt"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def read_tsv(path: Path) -> List[Dict[str, str]]:
    if not path.is_file():
        return []
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def fmt(x: Optional[float], spec: str = ".2f") -> str:
    return "–" if x is None else format(x, spec)


def speed_table(rows: List[Dict]) -> List[str]:
    """Markdown rows of icefall_ext.bin.train_speed's measurements."""
    lines = ["| device | mixed precision | timed steps | steps/s | dev WER after them (%) |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['device']} | {r['amp']} | {r['timed_steps']} | {r['steps_per_s']:.2f} | {r['dev_wer']:.1f} |")
    return lines


def build_report(exp_dir: Path, tests: List[str], command: str, title: str) -> str:
    lines = [f"# {title}", "", "Produced by:", "", "```bash", command, "```", ""]
    history = read_tsv(exp_dir / "log" / "loss.tsv")
    if history:
        last = history[-1]
        lines += [
            f"Training: {last['epoch']} epochs, {last['step']} steps, {float(last['train_wall_s']) / 60:.1f} min wall time "
            f"({last.get('device', 'cpu x1')}) on a machine with {os.cpu_count()} CPUs ({platform.machine()}); "
            f"final train/valid loss per frame {float(last['train_loss']):.4f}/{float(last['valid_loss']):.4f}.",
            "",
        ]
    suffix = None
    header = "| decoding method | " + " | ".join(f"{t} (PyTorch) | {t} (sherpa-onnx)" for t in tests) + " |"
    lines += ["## WER (%)", "", header, "|" + "---|" * (1 + 2 * len(tests))]
    for method in METHODS:
        row = [method]
        for t in tests:
            summary = newest_torch_summary(exp_dir, method, t)
            if summary is not None:
                suffix = re.search(r"(epoch-\d+-avg-\d+)", summary.name).group(1)
            row += [fmt(read_wer(summary) if summary else None), fmt(read_wer(exp_dir / "onnx" / method / f"wer-summary-{t}.txt"))]
        lines.append("| " + " | ".join(row) + " |")
    if suffix:
        lines += ["", f"PyTorch model: {suffix} (averaged checkpoints)."]
    rtf_lines = []
    for method in METHODS:
        for t in tests:
            rows = read_tsv(exp_dir / "onnx" / method / f"rtf-{t}.txt")
            if rows:
                r = rows[0]
                rtf_lines.append(
                    f"| {method} | {t} | {float(r['rtf']):.4f} | {r['num_threads']} | {float(r['audio_seconds']):.1f} |"
                )
    if rtf_lines:
        lines += ["", "## sherpa-onnx real-time factor", "", "| method | test set | RTF | threads | audio (s) |", "|---|---|---|---|---|"]
        lines += rtf_lines
    speed_file = exp_dir / "train_speed.json"
    if speed_file.is_file():
        speed = json.loads(speed_file.read_text())
        lines += ["", "## Training speed: CPU beside CUDA", "", "Produced by:", "", "```bash", speed["command"], "```", ""]
        lines += speed_table(speed["rows"])
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--test-sets", required=True, nargs="+")
    p.add_argument("--command", required=True)
    p.add_argument("--title", default="Results")
    p.add_argument("--out", required=True, type=Path)
    args = p.parse_args()
    if not args.exp_dir.is_dir():
        raise InputError(f"{args.exp_dir}: experiment directory does not exist")
    report = build_report(args.exp_dir, args.test_sets, args.command, args.title)
    write_text_atomic(args.out, report)
    print(report)


if __name__ == "__main__":
    run_main(main)
