#!/usr/bin/env python3
"""RESULTS.md of a diarisation recipe from EXP_DIR/scores.json, printed.

    python -m diarization.bin.write_results --config conf/tiny.yaml --exp-dir exp/diar \
        --title "Simulated meetings" --command "./run.sh" --out RESULTS.md [--stage-times exp/log/stage_times.tsv]

One table per metric (rows: diarisers, columns: test sets), the operating points chosen on the
development sets, where the front end's DOAs point (simulated meetings), and the targets of the
moving-speaker work checked from the numbers with the thresholds of the config's `results` section.
"""
import argparse
import json
from pathlib import Path
from typing import Dict, List

from diarization.config import DiarRecipeConfig, ResultsConfig
from diarization.scoring import DOA_CLASSES
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.io import write_text_atomic
from recipe_common.report import markdown_table, stage_times_table

METRICS = [("der_0.25", "DER (%), collar 0.25 s, overlap scored"), ("der_0", "DER (%), no collar, overlap scored"),
           ("speaker_count_error", "Speaker-count error (mean |hypothesised − true|)"),
           ("speaker_count_exact", "Meetings with the right number of speakers (%)"),
           ("tracking_error_deg", "Location tracking error (mean absolute azimuth error, degrees)")]


def targets(scores: Dict[str, Dict[str, Dict]], cfg: ResultsConfig) -> List[str]:
    """The targets of ResultsConfig, on the sets whose names say 'moving' / 'stationary'."""
    lines = []
    der = {d: {s: r["der_0.25"] for s, r in rows.items()} for d, rows in scores.items()}
    moving = [s for s in next(iter(der.values())) if "moving" in s]
    stationary = [s for s in next(iter(der.values())) if "stationary" in s]
    if {"ahc", "ahc_stationary", "ahc_kalman"} <= set(der):
        for s in moving:
            k, a, st = der["ahc_kalman"][s], der["ahc"][s], der["ahc_stationary"][s]
            ratio = cfg.max_kalman_der_ratio
            ok = k <= ratio * a and k < st
            lines.append(f"- {s}: Kalman AHC {k:.2f}% vs {ratio:g} × embedding-only {ratio * a:.2f}% and "
                         f"stationary-location {st:.2f}%: {'met' if ok else 'NOT met'}")
        for s in stationary:
            k, st = der["ahc_kalman"][s], der["ahc_stationary"][s]
            lines.append(f"- {s}: Kalman AHC {k:.2f}% vs stationary-location {st:.2f}% (no worse): "
                         f"{'met' if k <= st else 'NOT met'}")
    if {"particle", "ahc_kalman"} <= set(der):
        for s in moving + stationary:
            pf, k = der["particle"][s], der["ahc_kalman"][s]
            tolerance = cfg.particle_relative_tolerance
            ok = abs(pf - k) <= tolerance * k or pf <= k
            lines.append(f"- {s}: particle filter {pf:.2f}% within {100 * tolerance:g}% relative of Kalman AHC "
                         f"{k:.2f}% (or better): {'met' if ok else 'NOT met'}")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--title", required=True)
    p.add_argument("--command", required=True)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--stage-times", type=Path, default=None)
    args = p.parse_args()
    cfg = load_config(args.config, DiarRecipeConfig)
    path = args.exp_dir / "scores.json"
    if not path.is_file():
        raise InputError(f"{path}: does not exist (run the scoring stage first)")
    data = json.loads(path.read_text())
    scores, params = data["scores"], data["params"]
    sets = list(next(iter(scores.values())))
    lines = [f"# {args.title}: diarisation with moving speakers", "", "Produced by:", "", "```bash", args.command,
             "```", ""]
    for key, title in METRICS:
        table = {d: {s: r[key] for s, r in rows.items() if key in r} for d, rows in scores.items()}
        if any(table.values()):
            lines += [f"## {title}", ""] + markdown_table(table, sets, ".2f", "diariser") + [""]
    lines += ["## Operating points (chosen on the development sets)", "", "| diariser | parameters | dev DER (%) |",
              "|---|---|---|"]
    lines += [f"| {d} | {', '.join(f'{k}={v:g}' for k, v in p['params'].items())} | {100 * p['dev_der']:.2f} |"
              for d, p in params.items()]
    if data.get("doa"):
        lines += ["", f"## Where the sub-segments' DOAs point (%, within {data['doa_gate_deg']:g}°, 3 DOA standard "
                  "deviations)", ""]
        shares = {name: {k: round(v, 2) for k, v in row.items()} for name, row in data["doa"].items()}
        lines += markdown_table(shares, [*DOA_CLASSES, "sub-segments"], "g", "set")
    lines += ["", "## Targets (computed from the tables)", ""] + targets(scores, cfg.results)
    if args.stage_times is not None:
        lines += stage_times_table(args.stage_times)
    lines += ["", f"Azimuth over time, true and tracked, per example meeting: {args.exp_dir}/plots/"]
    report = "\n".join(lines) + "\n"
    write_text_atomic(args.out, report)
    print(report)


if __name__ == "__main__":
    run_main(main)
