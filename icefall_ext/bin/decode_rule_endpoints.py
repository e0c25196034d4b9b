#!/usr/bin/env python3
"""sherpa-onnx's rule-based endpointer on test sets (decoding/rule_endpoint.py): a streaming export
decoded by OnlineRecognizer with endpoint detection, the audio fed a little at a time and followed
by every trailing silence of endpointing.trailing_silence; its default rules, or rule 2 at --rule2.

    python -m icefall_ext.bin.decode_rule_endpoints --config conf/tiny_eos.yaml \
        --onnx-dir exp/transducer_eos/eos_late_0/onnx_streaming/chunk-32 [--rule2 0.6] \
        --system rules-rule2-0.6 --out-exp-dir exp/transducer_eos --test-cuts test=exp/transducer_eos/align/cuts_test.jsonl.gz

Writes OUT_EXP_DIR/endpoints/SYSTEM/endpoints-<test>-silence-<S>.tsv (decoding/endpoint_files.py).
"""
import argparse
from pathlib import Path

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.decoding.endpoint_files import endpoint_test_sets
from icefall_ext.decoding.rule_endpoint import EndpointRules, endpoint_cuts_rules
from icefall_ext.decoding.sherpa_onnx_streaming import make_online_recognizer
from recipe_common.cli import parse_named_paths, run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--onnx-dir", required=True, type=Path, help="a streaming export (encoder/decoder/joiner.onnx, tokens.txt)")
    p.add_argument("--rule2", type=float, default=None, help="rule 2's trailing silence in seconds; default: sherpa-onnx's")
    p.add_argument("--system", required=True, help="the name its results go under (rules-default, rules-rule2-R)")
    p.add_argument("--out-exp-dir", required=True, type=Path, help="the recipe's exp dir, which holds endpoints/")
    p.add_argument("--test-cuts", required=True, nargs="+", help="NAME=PATH of a cut manifest with word alignments")
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig)
    test_sets = parse_named_paths(args.test_cuts, "--test-cuts", "cut manifest")
    try:
        rules = EndpointRules() if args.rule2 is None else EndpointRules(rule2_min_trailing_silence=args.rule2)
    except ValueError as e:
        raise InputError(f"--rule2: {e}")
    recognizer = make_online_recognizer(args.onnx_dir, "greedy_search", cfg.decode.beam, **rules.recognizer_options())
    setup_logger(args.out_exp_dir / "log" / f"log-endpoints-{args.system}")
    endpoint_test_sets(lambda cuts, silence: endpoint_cuts_rules(recognizer, cuts, silence),
                       args.system, args.out_exp_dir, test_sets, cfg.endpointing.trailing_silence)


if __name__ == "__main__":
    run_main(main)
