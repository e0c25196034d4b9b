#!/usr/bin/env python3
"""Stage 5: RESULTS.md from EXP_DIR/<arch>/measure.json and the mappings, printed, and
EXP_DIR/accuracy_vs_latency.png.

    python -m vision_egs.pruning.bin.write_results --config conf/tiny.yaml --exp-dir exp \
        --command "./run.sh" --out RESULTS.md

Per model: accuracy with its 95 % Wilson interval, its difference from dense with McNemar's exact
test on the per-image results (EXP_DIR/<arch>/test_correct.json), MACs and their reduction,
executed MACs, measured latency and speedup over the fastest dense path, ONNX Runtime latency; then
the targets of the config's `results` section checked from these numbers, and both mappings layer
by layer.
"""
import json
import os
import platform
from pathlib import Path
from typing import Dict, List

import numpy as np

from recipe_common.cli import run_main
from recipe_common.errors import InputError
from recipe_common.plot import plt, save_figure
from recipe_common.report import markdown_table, stage_times_table
from vision_egs.common.metrics import mcnemar_exact
from vision_egs.common.results import accuracy_cell, read_per_image, write_results_main
from vision_egs.pruning.config import PruningConfig, ResultsConfig
from vision_egs.pruning.experiment import mapping_path, measure_path, per_image_path

COLUMNS = ["accuracy (%) [95% CI]", "Δ accuracy (pts)", "McNemar p vs dense (b/c)", "MACs (M)", "MAC reduction",
           "executed MACs (M)", "latency (ms)", "speedup", "ONNX Runtime (ms)", "predicted (ms)"]


def model_table(m: Dict, correct: Dict[str, np.ndarray]) -> List[str]:
    table = {}
    for name, r in m["rows"].items():
        row = {"accuracy (%) [95% CI]": accuracy_cell(correct[name], ".2f"), "MACs (M)": f"{r['macs'] / 1e6:.2f}",
               "MAC reduction": f"{r['mac_reduction']:.2f}", "executed MACs (M)": f"{r['executed_macs'] / 1e6:.2f}",
               "latency (ms)": f"{r['latency_ms']:.2f}", "speedup": f"{r['speedup']:.2f}",
               "ONNX Runtime (ms)": f"{r['onnx_ms']:.2f}"}
        if name != "dense":
            test = mcnemar_exact(correct["dense"], correct[name])
            row["Δ accuracy (pts)"] = f"{test.difference_points:.2f}"
            row["McNemar p vs dense (b/c)"] = f"{test.p:.3g} ({test.b}/{test.c})"
        if "predicted_ms" in r:
            row["predicted (ms)"] = f"{r['predicted_ms']:.2f}"
        table[r["label"]] = row
    eager = m["rows"]["dense"]["eager_ms"]
    return markdown_table(table, COLUMNS, "s", "model") + [
        "", f"Dense PyTorch eager: {eager:.2f} ms; speedups are over the faster of eager and the compiled dense "
            f"model ({m['baseline_ms']:.2f} ms). b: test images dense gets right and the model wrong, c: the "
            f"reverse; p: McNemar's exact two-sided test of equal accuracy."]


def targets(m: Dict, correct: Dict[str, np.ndarray], cfg: ResultsConfig) -> List[str]:
    """The config's target for each mapped model (speedup, and no significant accuracy loss), and
    whether any uniform scheme dominates it (at least as accurate and at least as fast)."""
    rows = m["rows"]
    uniform = {n: r for n, r in rows.items() if r["label"].startswith("uniform")}
    lines = []
    for method in ("rule", "search"):
        if method not in rows:
            continue
        r = rows[method]
        test = mcnemar_exact(correct["dense"], correct[method])
        delta = test.difference_points
        dominated = [u["label"] for u in uniform.values()
                     if u["accuracy"] >= r["accuracy"] and u["latency_ms"] <= r["latency_ms"]]
        meets = cfg.met(r["speedup"], delta, test.p)
        lines.append(f"- {r['label']}: {r['speedup']:.2f}x measured speedup (target ≥ {cfg.min_speedup:g}x), "
                     f"accuracy {delta:+.2f} pts against dense, McNemar p {test.p:.3g} (target: ≥ "
                     f"−{cfg.max_accuracy_drop:g} pts, and no loss significant at p < {cfg.min_mcnemar_p:g}): "
                     f"{'met' if meets else 'NOT met'}; "
                     + (f"dominated by {', '.join(dominated)}" if dominated else "no uniform scheme dominates it"))
    return lines


def mapping_table(exp_dir: Path, arch: str) -> List[str]:
    maps = {}
    for method in ("rule", "search"):
        path = mapping_path(exp_dir, arch, method)
        if path.is_file():
            maps[method] = json.loads(path.read_text())
    if not maps:
        return []
    layers = list(next(iter(maps.values()))["layers"])
    lines = [f"- {method}: budget {m['budget_ms']:.2f} ms predicted; end-to-end speedup measured at mapping time, "
             f"per calibration round: {', '.join(f'{x:.2f}x' for x in m.get('measured_speedups', []))}"
             for method, m in maps.items()] + [""]
    lines += ["| layer | " + " | ".join(maps) + " |", "|---|" + "---|" * len(maps)]
    for layer in layers:
        lines.append(f"| {layer} | " + " | ".join(f"{m['layers'][layer]['choice']} "
                                                  f"({m['layers'][layer]['latency_ms']:.2f} ms)" for m in maps.values())
                     + " |")
    return lines


def plot(measures: Dict[str, Dict], path: Path) -> None:
    fig, axes = plt.subplots(1, len(measures), figsize=(5 * len(measures), 4), squeeze=False)
    for ax, (arch, m) in zip(axes[0], measures.items()):
        for name, r in m["rows"].items():
            marker = "s" if name == "dense" else ("*" if not r["label"].startswith("uniform") else "o")
            ax.plot(r["latency_ms"], 100 * r["accuracy"], marker, ms=12 if marker == "*" else 7, label=r["label"])
        ax.set_xlabel(f"latency (ms, batch {m['batch']}, {m['threads']} threads)")
        ax.set_ylabel("test accuracy (%)")
        ax.set_title(arch)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)


def fine_tuning_line(cfg: PruningConfig) -> str:
    distill = cfg.prune.distill
    how = (f"distilled from it (alpha {distill.alpha:g}, temperature {distill.temperature:g})"
           if distill.alpha > 0 else "plain cross-entropy, no distillation")
    return (f"Every pruned variant starts from the dense model: gradual magnitude pruning over "
            f"{cfg.prune.prune_epochs} epochs within {cfg.prune.train.epochs} epochs of training, {how}.")


def build_report(cfg: PruningConfig, exp_dir: Path, command: str) -> str:
    measures, correct = {}, {}
    for arch in cfg.models:
        path = measure_path(exp_dir, arch)
        if not path.is_file():
            raise InputError(f"{path}: does not exist (run stage 4 first)")
        measures[arch] = json.loads(path.read_text())
        correct[arch] = read_per_image(per_image_path(exp_dir, arch), f"stage 4 (remove {path} first)")
    plot(measures, exp_dir / "accuracy_vs_latency.png")
    lat = cfg.latency
    lines = ["# Fine-grained structured pruning with pruning-scheme mapping: accuracy and measured CPU speed", "",
             "Produced by:", "", "```bash", command, "```", "",
             f"Machine: {os.cpu_count()} CPUs ({platform.machine()}); every latency is the median over "
             f"{lat.rounds} interleaved rounds of {lat.runs_per_round} runs, batch {lat.batch_size}, "
             f"{lat.threads} threads, one process. 'latency' runs our compiled execution form; MACs count the "
             f"nonzero weights, 'executed MACs' what the compiled form really computes. Latency budget of the "
             f"mappings: the dense model's predicted latency / {cfg.mapping.speedup:g}, tightened (at most "
             f"{cfg.mapping.calibration_rounds} times) while the mapped model, compiled with masks from the dense "
             f"weights, measured under {cfg.mapping.speedup * (1 + cfg.mapping.speedup_margin):.2f}x end to end.",
             "", fine_tuning_line(cfg), ""]
    for arch, m in measures.items():
        lines += [f"## {arch}", ""] + model_table(m, correct[arch]) + ["", "Targets (computed from the table):", ""]
        lines += targets(m, correct[arch], cfg.results) + ["", f"Mappings of {arch} (predicted layer latency):", ""]
        lines += mapping_table(exp_dir, arch) + [""]
    lines += stage_times_table(exp_dir / "log" / "stage_times.tsv")
    lines += ["", f"Accuracy against latency: {exp_dir}/accuracy_vs_latency.png"]
    return "\n".join(lines) + "\n"


def main() -> None:
    write_results_main(__doc__, PruningConfig, build_report)


if __name__ == "__main__":
    run_main(main)
