#!/usr/bin/env python3
"""Stage 5: RESULTS.md from EXP_DIR/<arch>/measure.json and the mappings, printed, and
EXP_DIR/accuracy_vs_latency.png.

    python -m vision_egs.pruning.bin.write_results --config conf/tiny.yaml --exp-dir exp \
        --command "./run.sh" --out RESULTS.md

Per model: accuracy, MACs and their reduction, executed MACs, measured latency and speedup over the
fastest dense path, ONNX Runtime latency; then the targets checked from these numbers, and both
mappings layer by layer.
"""
import json
import os
import platform
from pathlib import Path
from typing import Dict, List

from recipe_common.cli import run_main
from recipe_common.errors import InputError
from recipe_common.plot import plt, save_figure
from recipe_common.report import markdown_table, stage_times_table
from vision_egs.common.results import write_results_main
from vision_egs.pruning.config import PruningConfig
from vision_egs.pruning.experiment import mapping_path

COLUMNS = ["accuracy (%)", "Δ accuracy (pts)", "MACs (M)", "MAC reduction", "executed MACs (M)",
           "latency (ms)", "speedup", "ONNX Runtime (ms)", "predicted (ms)"]


def model_table(m: Dict) -> List[str]:
    dense_acc = m["rows"]["dense"]["accuracy"]
    table = {}
    for name, r in m["rows"].items():
        row = {"accuracy (%)": 100 * r["accuracy"], "Δ accuracy (pts)": 100 * (r["accuracy"] - dense_acc),
               "MACs (M)": r["macs"] / 1e6, "MAC reduction": r["mac_reduction"],
               "executed MACs (M)": r["executed_macs"] / 1e6, "latency (ms)": r["latency_ms"],
               "speedup": r["speedup"], "ONNX Runtime (ms)": r["onnx_ms"]}
        if "predicted_ms" in r:
            row["predicted (ms)"] = r["predicted_ms"]
        table[r["label"]] = row
    eager = m["rows"]["dense"]["eager_ms"]
    return markdown_table(table, COLUMNS, ".2f", "model") + [
        "", f"Dense PyTorch eager: {eager:.2f} ms; speedups are over the faster of eager and the compiled dense "
            f"model ({m['baseline_ms']:.2f} ms)."]


def targets(m: Dict, speedup: float) -> List[str]:
    """The issue's targets, computed: mapped speedup and accuracy loss, and whether any uniform
    scheme dominates a mapped model (at least as accurate and at least as fast)."""
    rows = m["rows"]
    dense_acc = rows["dense"]["accuracy"]
    uniform = {n: r for n, r in rows.items() if r["label"].startswith("uniform")}
    lines = []
    for method in ("rule", "search"):
        if method not in rows:
            continue
        r = rows[method]
        loss = 100 * (dense_acc - r["accuracy"])
        dominated = [u["label"] for u in uniform.values()
                     if u["accuracy"] >= r["accuracy"] and u["latency_ms"] <= r["latency_ms"]]
        meets = r["speedup"] >= speedup and loss <= 0.5
        lines.append(f"- {r['label']}: {r['speedup']:.2f}x measured speedup (target ≥ {speedup:g}x), accuracy loss "
                     f"{loss:+.2f} pts (target ≤ 0.5): {'met' if meets else 'NOT met'}; "
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
    measures = {}
    for arch in cfg.models:
        path = exp_dir / arch / "measure.json"
        if not path.is_file():
            raise InputError(f"{path}: does not exist (run stage 4 first)")
        measures[arch] = json.loads(path.read_text())
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
        lines += [f"## {arch}", ""] + model_table(m) + ["", "Targets (computed from the table):", ""]
        lines += targets(m, cfg.mapping.speedup) + ["", f"Mappings of {arch} (predicted layer latency):", ""]
        lines += mapping_table(exp_dir, arch) + [""]
    lines += stage_times_table(exp_dir / "log" / "stage_times.tsv")
    lines += ["", f"Accuracy against latency: {exp_dir}/accuracy_vs_latency.png"]
    return "\n".join(lines) + "\n"


def main() -> None:
    write_results_main(__doc__, PruningConfig, build_report)


if __name__ == "__main__":
    run_main(main)
