#!/usr/bin/env python3
"""Scores the endpoint decodes of a recipe (bin/decode_eos_endpoints.py, bin/decode_rule_endpoints.py):
latency p50/p90, early-cutoff and no-endpoint rates, WER with endpointing and the words dropped
after <eos>, per system, test set and trailing silence (icefall_ext/endpoint_results.py).

    python -m icefall_ext.bin.score_endpoints --config conf/tiny_eos.yaml --exp-dir exp/transducer_eos --tests dev test

Writes EXP_DIR/endpoints/metrics.tsv and EXP_DIR/endpoints/wer-vs-p90-<test>.png; the systems are
those of the endpointing section (eos-late-W for each late weight, sherpa-onnx's rules). No
endpoints file at all is a one-line error.
"""
import argparse
from pathlib import Path

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.decoding.endpoint_files import ENDPOINTS
from icefall_ext.endpoint_results import score_endpoints, systems
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--tests", required=True, nargs="+")
    args = p.parse_args()
    ep = load_config(args.config, AsrRecipeConfig).endpointing
    rows = score_endpoints(args.exp_dir, systems(ep.late_scales, ep.rule2_sweep), args.tests, ep.trailing_silence)
    if not rows:
        raise InputError(f"{args.exp_dir / ENDPOINTS}: no endpoints files of the systems and test sets asked for")
    for r in rows:
        m = r.metrics
        print(f"{r.system}\t{r.test}\t+{r.silence:g} s\tp50 {m['latency_p50']:.2f}\tp90 {m['latency_p90']:.2f}\t"
              f"early {100 * m['early_cutoff_rate']:.1f} %\tWER {m['wer']:.2f}")


if __name__ == "__main__":
    run_main(main)
