#!/usr/bin/env python3
"""Stage 5: RESULTS.md from EXP_DIR/eval/metrics.json and the training histories, printed.

    python -m vision_egs.red.bin.write_results --config conf/tiny.yaml --exp-dir exp \
        --command "./run.sh" --out RESULTS.md

One table per metric (rows: denoisers, 'none' = the adversarial input itself; columns:
attack/victim, the first victim being the one the denoisers were trained against), every PA with
its 95 % Wilson interval; the difference between every two denoisers with a paired test on the same
pairs (EXP_DIR/eval/per_image.json); the adaptive attack, the classifiers' accuracies, and the
paper's PGD comparison computed from them with the thresholds of the config's `results` section.
"""
import itertools
import json
import os
import platform
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

from recipe_common.cli import run_main
from recipe_common.errors import InputError
from recipe_common.report import markdown_table, read_history, stage_times_table
from vision_egs.common.metrics import mcnemar_exact, wilcoxon_paired
from vision_egs.common.results import accuracy_cell, read_per_image, write_results_main
from vision_egs.common.train import final_correct_path
from vision_egs.red.config import RedConfig
from vision_egs.red.evaluation import per_image_key, per_image_path

METRICS = [
    ("pa_benign", "PA_benign (%) [95% CI]: f(D(x')) = f(x)", ".1f"),
    ("pa_adv", "PA_adv (%) [95% CI]: f(x + x' − D(x')) = f(x')", ".1f"),
    ("psnr", "PSNR of D(x') against x (dB)", ".2f"),
    ("l2_error", "L2 error of the perturbation estimate x' − D(x') against x' − x", ".3f"),
    ("iou", "Attribution alignment: IoU (%) of the top pixels of Integrated-Gradients maps", ".1f"),
]
ACCURACIES = ("pa_benign", "pa_adv")  # right or wrong per pair: Wilson intervals, McNemar's test
PAIRED = [("pa_benign", "PA_benign"), ("pa_adv", "PA_adv"), ("iou", "IoU")]


def paired_difference(metric: str, a: np.ndarray, b: np.ndarray) -> str:
    """B − A in points, with the p-value of a paired test on the same pairs: McNemar's exact test for
    a PA (right or wrong per pair), Wilcoxon's signed-rank test for the per-image IoU (continuous)."""
    if metric in ACCURACIES:
        test = mcnemar_exact(a, b)
        return f"{test.difference_points:+.1f} (p {test.p:.3g})"
    return f"{100 * (b.mean() - a.mean()):+.1f} (p {wilcoxon_paired(a, b):.3g})"


def paired_tables(per_image: Dict[str, np.ndarray], methods: List[str], sets: List[Tuple[str, str]]) -> List[str]:
    """One table per metric of PAIRED: a row per two denoisers, a column per (attack, victim)."""
    lines = ["", "## Differences between denoisers on the same pairs (points; p: McNemar's exact test for PA, "
             "Wilcoxon's signed-rank test for IoU, two-sided)"]
    for metric, name in PAIRED:
        table: Dict[str, Dict[str, str]] = {}
        for a, b in itertools.combinations(methods, 2):
            cells = table.setdefault(f"{b} − {a}", {})
            for attack, victim in sets:
                ka, kb = (per_image_key(m, attack, victim, metric) for m in (a, b))
                if len(per_image.get(ka, [])):
                    cells[f"{attack}/{victim}"] = paired_difference(metric, per_image[ka], per_image[kb])
        lines += ["", f"### {name}", ""] + markdown_table(table, [f"{a}/{v}" for a, v in sets], "s", "denoisers")
    return lines


def build_report(cfg: RedConfig, exp_dir: Path, command: str) -> str:
    path = exp_dir / "eval" / "metrics.json"
    if not path.is_file():
        raise InputError(f"{path}: no evaluation yet (run stage 4)")
    data = json.loads(path.read_text())
    per_image = read_per_image(per_image_path(exp_dir), f"stage 4 (remove {path} first)")
    rows = data["rows"]
    sets = list(dict.fromkeys((r["attack"], r["victim"]) for r in rows))
    columns = [f"{attack}/{victim}" for attack, victim in sets]
    methods = list(dict.fromkeys(r["method"] for r in rows))
    lines = ["# CDD-RED: reverse engineering of adversarial perturbations", "", "Produced by:", "", "```bash",
             command, "```", "",
             f"Victims {', '.join(cfg.classifiers.victims)} (the denoisers were trained on attacks against "
             f"{cfg.classifiers.victims[0]} only: the other columns are victims they never saw); surrogate "
             f"{cfg.classifiers.surrogate}; training attacks {', '.join(cfg.attacks.train)}; "
             f"L_inf budget {cfg.attacks.eps * 255:.0f}/255. "
             f"Machine: {os.cpu_count()} CPUs ({platform.machine()}). Intervals: 95 % Wilson score intervals.", ""]
    lines += ["## Classifiers (clean test accuracy)", "", "| model | epochs | accuracy (%) [95% CI] | "
              "training time (min) |", "|---|---|---|---|"]
    for arch in dict.fromkeys([*cfg.classifiers.victims, cfg.classifiers.surrogate]):
        arch_dir = exp_dir / "classifiers" / arch
        hist = read_history(arch_dir / "log" / "history.tsv")
        if hist:
            minutes = sum(float(h["epoch_s"]) for h in hist) / 60
            correct = read_per_image(final_correct_path(arch_dir), "stage 1")[arch]
            lines.append(f"| {arch} | {hist[-1]['epoch']} | {accuracy_cell(correct)} | {minutes:.1f} |")
    pairs = {"pairs": {f"{r['attack']}/{r['victim']}": r["pairs"] for r in rows if r["method"] == "none"}}
    lines += ["", "## Test pairs evaluated (those the attack perturbed)", ""] + markdown_table(pairs, columns, "d", "")
    lines += stage_times_table(exp_dir / "log" / "stage_times.tsv")
    for key, title, fmt in METRICS:
        table = {m: {f"{r['attack']}/{r['victim']}":
                     accuracy_cell(per_image[per_image_key(m, r["attack"], r["victim"], key)], fmt)
                     if key in ACCURACIES else format(r[key], fmt)
                     for r in rows if r["method"] == m and key in r}
                 for m in methods}
        lines += ["", f"## {title}", ""] + markdown_table(table, columns, "s", "denoiser")
    lines += paired_tables(per_image, [m for m in methods if m != "none"], sets)
    adaptive: Dict[str, Dict[str, str]] = {}
    for a in data["adaptive"]:
        right = per_image[per_image_key(a["method"], "adaptive", a["victim"], "pa_benign")]
        adaptive.setdefault(a["method"], {})[a["victim"]] = accuracy_cell(right)
    lines += ["", f"## Adaptive attack: PGD through f∘D ({cfg.eval.adaptive_steps} steps), PA_benign (%) [95% CI]",
              ""]
    lines += markdown_table(adaptive, cfg.classifiers.victims, "s", "denoiser")
    lines += ["", "## The paper's ordering on PGD (computed from the tables above)", ""]
    pgd = f"pgd/{cfg.classifiers.victims[0]}"
    by = {r["method"]: r for r in rows if f"{r['attack']}/{r['victim']}" == pgd}
    if "do" in by and "cdd_red" in by:
        target = cfg.results
        pa = mcnemar_exact(*(per_image[per_image_key(m, "pgd", cfg.classifiers.victims[0], "pa_adv")]
                             for m in ("do", "cdd_red")))
        d_psnr = by["cdd_red"]["psnr"] - by["do"]["psnr"]
        verdict = "holds" if target.holds(pa.difference_points, d_psnr) else "does NOT hold"
        lines.append(f"On {pgd}: CDD-RED's PA_adv − DO's = {pa.difference_points:+.1f} points (McNemar p "
                     f"{pa.p:.3g}; target ≥ +{target.min_pa_adv_gain:g}); CDD-RED's PSNR − DO's = {d_psnr:+.2f} dB "
                     f"(target ≥ −{target.max_psnr_loss:g}). The ordering {verdict} here.")
    lines += ["", f"Figure (clean, adversarial, true and estimated perturbations): {exp_dir}/eval/perturbations.png"]
    return "\n".join(lines) + "\n"


def main() -> None:
    write_results_main(__doc__, RedConfig, build_report)


if __name__ == "__main__":
    run_main(main)
