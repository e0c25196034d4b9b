#!/usr/bin/env python3
"""Scores the diarisers on the test sets: DER (md-eval's, overlap scored) at every collar of
the config, speaker-count error, and the location tracking error of the diarisers that track
(where true trajectories exist); one PNG per example meeting with the true and tracked azimuths.
Where true trajectories exist, it also counts where the front end's DOAs point, on the development
and the test sets (within 3 DOA standard deviations of the tracker config).

    python -m diarization.bin.score --config conf/tiny.yaml --data-root data \
        --frontend-dir exp/frontend --dev-sets dev_stationary dev_moving \
        --test-sets test_stationary test_moving --exp-dir exp/diar

Writes EXP_DIR/scores.json and EXP_DIR/plots/<recording>.png.
"""
import argparse
import json
import logging
from pathlib import Path
from typing import Dict, Optional

import numpy as np

from diarization.config import DiarRecipeConfig
from diarization.data import load_diar_set
from diarization.diarizers import DIARIZERS
from diarization.frontend import load_analysis
from diarization.rttm import by_recording, read_rttm
from diarization.scoring import DerAccumulator, DoaOutliers, TrackingError, speaker_mapping
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger


def plot_meeting(path: Path, rec: str, traj: Dict, segs, outputs: Dict[str, Dict], mappings: Dict[str, Dict]) -> None:
    from recipe_common.plot import plt, save_figure

    tracking = [d for d in outputs if outputs[d].get("tracked")]
    fig, axes = plt.subplots(1, max(len(tracking), 1), figsize=(4.5 * max(len(tracking), 1), 3.4), squeeze=False)
    names = sorted(traj["speakers"])
    colours = {n: plt.cm.tab10(i) for i, n in enumerate(names)}
    centers = np.array([s.center for s in segs])
    for ax, d in zip(axes[0], tracking):
        for n in names:
            true_deg = np.degrees(np.array(traj["speakers"][n]["azimuth"]))
            true_deg[1:][np.abs(np.diff(true_deg)) > 180] = np.nan  # no line across the +-180 wrap
            ax.plot(traj["times"], true_deg, "-", color=colours[n], lw=1, alpha=0.6, label=f"{n} (true)")
        labels, tracked = outputs[d]["labels"], outputs[d]["tracked"]
        for lab in sorted(set(labels)):
            idx = [i for i, x in enumerate(labels) if x == lab]
            ref = mappings[d].get(f"spk{lab}")
            ax.plot(centers[idx], np.degrees(np.array(tracked)[idx]), "o", ms=3,
                    color=colours.get(ref, "black"), label=f"spk{lab} -> {ref or 'none'}")
        ax.set_title(f"{rec}: {d}", fontsize=9)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("azimuth (deg)")
        ax.set_ylim(-180, 180)
        ax.legend(fontsize=6)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--data-root", required=True, type=Path)
    p.add_argument("--frontend-dir", required=True, type=Path)
    p.add_argument("--dev-sets", nargs="*", default=[])
    p.add_argument("--test-sets", nargs="+", required=True)
    p.add_argument("--diarizers", nargs="+", default=list(DIARIZERS))
    p.add_argument("--exp-dir", required=True, type=Path)
    args = p.parse_args()
    setup_logger(args.exp_dir / "log" / "log-score")
    cfg = load_config(args.config, DiarRecipeConfig)
    scores: Dict[str, Dict[str, Dict]] = {}
    for s in args.test_sets:
        data = load_diar_set(args.data_root / s)
        analysis = load_analysis(args.frontend_dir / f"{s}.pt")
        outputs_by_d, mappings = {}, {}
        for d in args.diarizers:
            rttm = args.exp_dir / d / s / "rttm"
            out_path = args.exp_dir / d / s / "output.json"
            if not out_path.is_file():
                raise InputError(f"{out_path}: does not exist (run the diarisers first)")
            hyp = by_recording(read_rttm(rttm))
            outputs = json.loads(out_path.read_text())
            row: Dict[str, float] = {}
            mappings[d] = {}
            for collar in cfg.scoring.collars:
                acc = DerAccumulator(collar)
                for rec, turns in data.turns.items():
                    acc.add(turns, hyp.get(rec, []), data.recordings[rec].duration)
                row[f"der_{collar:g}"] = 100 * acc.total()
            count_errors, tracking = [], TrackingError()
            for rec, turns in data.turns.items():
                duration = data.recordings[rec].duration
                mapping = speaker_mapping(turns, hyp.get(rec, []), duration) if hyp.get(rec) else {}
                mappings[d][rec] = mapping
                count_errors.append(abs(len({t.speaker for t in hyp.get(rec, [])}) - len({t.speaker for t in turns})))
                tracked = outputs[rec]["tracked"]
                if tracked and rec in data.trajectories:
                    traj = data.trajectories[rec]
                    true_az = {n: v["azimuth"] for n, v in traj["speakers"].items()}
                    tracking.add(analysis[rec][0], outputs[rec]["labels"], tracked, mapping, traj["times"], true_az)
            row["speaker_count_error"] = float(np.mean(count_errors))
            row["speaker_count_exact"] = 100 * float(np.mean([e == 0 for e in count_errors]))
            if tracking.mean() is not None:
                row["tracking_error_deg"] = tracking.mean()
            scores.setdefault(d, {})[s] = row
            outputs_by_d[d] = outputs
            logging.info(f"{d} on {s}: " + ", ".join(f"{k} {v:.2f}" for k, v in row.items()))
        for rec in sorted(data.trajectories)[:cfg.scoring.plot_meetings]:
            plot_meeting(args.exp_dir / "plots" / f"{rec}.png", rec, data.trajectories[rec], analysis[rec][0],
                         {d: o[rec] for d, o in outputs_by_d.items()}, {d: m[rec] for d, m in mappings.items()})
    params = {d: json.loads((args.exp_dir / d / "params.json").read_text()) for d in args.diarizers}
    gate = 3 * cfg.diarizers.tracker.doa_std_deg
    doa = {s: doa_shares(args.data_root / s, args.frontend_dir / f"{s}.pt", np.radians(gate))
           for s in [*args.dev_sets, *args.test_sets]}
    doa = {s: shares for s, shares in doa.items() if shares is not None}
    write_text_atomic(args.exp_dir / "scores.json", json.dumps(
        {"scores": scores, "params": params, "doa": doa, "doa_gate_deg": gate}, indent=1))


def doa_shares(data_dir: Path, frontend: Path, gate: float) -> Optional[Dict[str, float]]:
    """Where a set's DOAs point (scoring.DoaOutliers); None without true trajectories."""
    data = load_diar_set(data_dir)
    if not data.trajectories:
        return None
    analysis = load_analysis(frontend)
    where = DoaOutliers(gate)
    for rec, turns in data.turns.items():
        traj = data.trajectories[rec]
        where.add(analysis[rec][0], turns, traj["times"], {n: v["azimuth"] for n, v in traj["speakers"].items()})
    logging.info(f"DOAs of {data.name}: " + ", ".join(f"{k} {v:.2f}" for k, v in where.shares().items()))
    return where.shares()


if __name__ == "__main__":
    run_main(main)
