#!/usr/bin/env python3
"""Runs the diarisers: each one's operating point is chosen on the development sets (lowest DER at
the first scoring collar, all development recordings pooled), then every set is diarised with it.

    python -m diarization.bin.diarize --config conf/tiny.yaml --frontend-dir exp/frontend --data-root data \
        --dev-sets dev_stationary dev_moving --test-sets test_stationary test_moving --exp-dir exp/diar

Writes EXP_DIR/<diariser>/params.json and EXP_DIR/<diariser>/<set>/{rttm,output.json}, and the
particle filter's voice model (fitted without labels on the development sets) to
EXP_DIR/particle/voice_model.npz. A diariser whose outputs all exist is skipped.
"""
import argparse
import json
import logging
from pathlib import Path
from typing import Dict, List, Tuple

from diarization.config import DiarRecipeConfig
from diarization.data import load_diar_set
from diarization.diarizers import DIARIZERS, check_diarizer, diarize, tune
from diarization.frontend import SubSegment, load_analysis
from diarization.rttm import Turn, write_rttm
from diarization.scoring import DerAccumulator, labels_to_turns
from diarization.voice_model import fit_voice_model
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--frontend-dir", required=True, type=Path)
    p.add_argument("--data-root", required=True, type=Path)
    p.add_argument("--dev-sets", nargs="+", required=True)
    p.add_argument("--test-sets", nargs="+", required=True)
    p.add_argument("--diarizers", nargs="+", default=list(DIARIZERS))
    p.add_argument("--exp-dir", required=True, type=Path)
    args = p.parse_args()
    cfg = load_config(args.config, DiarRecipeConfig)
    setup_logger(args.exp_dir / "log" / "log-diarize")
    for name in args.diarizers:
        check_diarizer(name)
    sets = list(dict.fromkeys([*args.dev_sets, *args.test_sets]))
    analysis: Dict[str, Dict[str, Tuple[List[SubSegment], float]]] = {}
    refs: Dict[str, Dict[str, List[Turn]]] = {}
    for s in sets:
        analysis[s] = load_analysis(args.frontend_dir / f"{s}.pt")
        refs[s] = load_diar_set(args.data_root / s).turns
    dev = [(s, rec) for s in args.dev_sets for rec in sorted(analysis[s])]
    collar = cfg.scoring.collars[0]

    def dev_der(labels: List[List[int]]) -> float:
        acc = DerAccumulator(collar)
        for (s, rec), lab in zip(dev, labels):
            segs, duration = analysis[s][rec]
            acc.add(refs[s][rec], labels_to_turns(rec, segs, lab), duration)
        return acc.total()

    for name in args.diarizers:
        out_dir = args.exp_dir / name
        if all((out_dir / s / "output.json").is_file() for s in sets) and (out_dir / "params.json").is_file():
            logging.info(f"{name}: done ({out_dir})")
            continue
        dev_segs = [analysis[s][rec][0] for s, rec in dev]
        voices = None
        if name == "particle":
            try:
                voices = fit_voice_model(dev_segs, cfg.diarizers.particle.voice_shrink)
            except InputError as e:
                raise InputError(f"{args.frontend_dir}: development sets {' '.join(args.dev_sets)}: {e}") from e
            voices.save(out_dir / "voice_model.npz")
        params, der = tune(name, dev_segs, cfg.diarizers, dev_der, voices)
        logging.info(f"{name}: operating point {params}, development DER {100 * der:.2f}%")
        for s in sets:
            outputs, turns = {}, []
            for rec, (segs, _) in sorted(analysis[s].items()):
                out = diarize(name, segs, cfg.diarizers, params, voices)
                outputs[rec] = {"labels": out.labels, "tracked": out.tracked}
                turns += labels_to_turns(rec, segs, out.labels)
            write_rttm(out_dir / s / "rttm", turns)
            write_text_atomic(out_dir / s / "output.json", json.dumps(outputs))
        write_text_atomic(out_dir / "params.json", json.dumps({"params": params, "dev_der": der}))


if __name__ == "__main__":
    run_main(main)
