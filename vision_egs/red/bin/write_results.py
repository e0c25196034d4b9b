#!/usr/bin/env python3
"""Stage 5: RESULTS.md from EXP_DIR/eval/metrics.json and the training histories, printed.

    python -m vision_egs.red.bin.write_results --config conf/tiny.yaml --exp-dir exp \
        --command "./run.sh" --out RESULTS.md

One table per metric (rows: denoisers, 'none' = the adversarial input itself; columns:
attack/victim, the first victim being the one the denoisers were trained against), the
adaptive attack, the classifiers' accuracies, and the paper's PGD comparison computed from them.
"""
import json
import os
import platform
from pathlib import Path
from typing import Dict

from recipe_common.cli import run_main
from recipe_common.errors import InputError
from recipe_common.report import markdown_table, read_history, stage_times_table
from vision_egs.common.results import write_results_main
from vision_egs.red.config import RedConfig

METRICS = [
    ("pa_benign", "PA_benign (%): f(D(x')) = f(x)", ".1f"),
    ("pa_adv", "PA_adv (%): f(x + x' − D(x')) = f(x')", ".1f"),
    ("psnr", "PSNR of D(x') against x (dB)", ".2f"),
    ("l2_error", "L2 error of the perturbation estimate x' − D(x') against x' − x", ".3f"),
    ("iou", "Attribution alignment: IoU (%) of the top pixels of Integrated-Gradients maps", ".1f"),
]


def build_report(cfg: RedConfig, exp_dir: Path, command: str) -> str:
    path = exp_dir / "eval" / "metrics.json"
    if not path.is_file():
        raise InputError(f"{path}: no evaluation yet (run stage 4)")
    data = json.loads(path.read_text())
    rows = data["rows"]
    columns = list(dict.fromkeys(f"{r['attack']}/{r['victim']}" for r in rows))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    lines = ["# CDD-RED: reverse engineering of adversarial perturbations", "", "Produced by:", "", "```bash",
             command, "```", "",
             f"Victims {', '.join(cfg.classifiers.victims)} (the denoisers were trained on attacks against "
             f"{cfg.classifiers.victims[0]} only: the other columns are victims they never saw); surrogate "
             f"{cfg.classifiers.surrogate}; training attacks {', '.join(cfg.attacks.train)}; "
             f"L_inf budget {cfg.attacks.eps * 255:.0f}/255. "
             f"Machine: {os.cpu_count()} CPUs ({platform.machine()}).", ""]
    lines += ["## Classifiers (clean test accuracy)", "", "| model | epochs | accuracy (%) | training time (min) |",
              "|---|---|---|---|"]
    for arch in dict.fromkeys([*cfg.classifiers.victims, cfg.classifiers.surrogate]):
        hist = read_history(exp_dir / "classifiers" / arch / "log" / "history.tsv")
        if hist:
            minutes = sum(float(h["epoch_s"]) for h in hist) / 60
            accuracy = 100 * float(hist[-1]["val_acc"])
            lines.append(f"| {arch} | {hist[-1]['epoch']} | {accuracy:.1f} | {minutes:.1f} |")
    pairs = {"pairs": {f"{r['attack']}/{r['victim']}": r["pairs"] for r in rows if r["method"] == "none"}}
    lines += ["", "## Test pairs evaluated (those the attack perturbed)", ""] + markdown_table(pairs, columns, "d", "")
    lines += stage_times_table(exp_dir / "log" / "stage_times.tsv")
    for key, title, fmt in METRICS:
        table = {m: {f"{r['attack']}/{r['victim']}": r[key] for r in rows if r["method"] == m and key in r}
                 for m in methods}
        lines += ["", f"## {title}", ""] + markdown_table(table, columns, fmt, "denoiser")
    adaptive: Dict[str, Dict[str, float]] = {}
    for a in data["adaptive"]:
        adaptive.setdefault(a["method"], {})[a["victim"]] = a["pa_benign"]
    lines += ["", f"## Adaptive attack: PGD through f∘D ({cfg.eval.adaptive_steps} steps), PA_benign (%)", ""]
    lines += markdown_table(adaptive, cfg.classifiers.victims, ".1f", "denoiser")
    lines += ["", "## The paper's ordering on PGD (computed from the tables above)", ""]
    pgd = f"pgd/{cfg.classifiers.victims[0]}"
    by = {r["method"]: r for r in rows if f"{r['attack']}/{r['victim']}" == pgd}
    if "do" in by and "cdd_red" in by:
        d_pa = by["cdd_red"]["pa_adv"] - by["do"]["pa_adv"]
        d_psnr = by["cdd_red"]["psnr"] - by["do"]["psnr"]
        holds = d_pa >= 10 and d_psnr >= -2
        verdict = "holds" if holds else "does NOT hold"
        lines.append(f"On {pgd}: CDD-RED's PA_adv − DO's = {d_pa:+.1f} points (target ≥ +10); CDD-RED's PSNR − "
                     f"DO's = {d_psnr:+.2f} dB (target ≥ −2). The ordering {verdict} here.")
    lines += ["", f"Figure (clean, adversarial, true and estimated perturbations): {exp_dir}/eval/perturbations.png"]
    return "\n".join(lines) + "\n"


def main() -> None:
    write_results_main(__doc__, RedConfig, build_report)


if __name__ == "__main__":
    run_main(main)
