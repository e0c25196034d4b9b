#!/usr/bin/env python3
"""Scores every late weight's SURT decode and writes the SURT recipe's RESULTS.md
(icefall_ext/surt_results.py): ORC-WER by overlap bin, SURT and the single-talker streaming model
on the single-talker utterances, per-channel endpoint latency, and the `surt` targets.

    python -m icefall_ext.bin.write_surt_results --config conf/tiny.yaml --exp-dir exp --bpe-model BPE \
        --mixtures mix_test --singles single_test --baseline-recogs RECOGS --command "./run.sh" --out RESULTS.md
"""
import argparse
import json
from pathlib import Path

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.decoding.surt_files import decode_dir, decoded_path, read_decoded
from icefall_ext.surt_results import report_lines, score_decoded, single_talker_wer, training_lines
from icefall_ext.tokens.bpe import Tokenizer
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.io import read_tsv, write_text_atomic


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--exp-dir", required=True, type=Path, help="holds surt_late_<W>/ of every late weight")
    p.add_argument("--bpe-model", required=True, type=Path)
    p.add_argument("--mixtures", required=True, help="the decoded name of the two-talker test mixtures")
    p.add_argument("--singles", required=True, help="the decoded name of their single-talker source utterances")
    p.add_argument("--baseline-recogs", required=True, type=Path, help="the single-talker streaming model's recogs")
    p.add_argument("--title", default="SURT")
    p.add_argument("--command", default="./run.sh")
    p.add_argument("--out", required=True, type=Path)
    args = p.parse_args()
    cfg = load_config(args.config, AsrRecipeConfig)
    tokenizer = Tokenizer(args.bpe_model)
    if tokenizer.eos_id is None:
        raise InputError(f"{args.bpe_model}: no <eos> symbol, so no endpoints to score (tokens.eos: true)")
    scores = {}
    for w in cfg.surt.late_scales:
        model_dir = decode_dir(args.exp_dir, w)
        scores[w] = score_decoded(read_decoded(decoded_path(model_dir, args.mixtures)),
                                  read_decoded(decoded_path(model_dir, args.singles)), cfg.surt.overlap_bins,
                                  tokenizer.decode, tokenizer.eos_id)
    singles = read_decoded(decoded_path(decode_dir(args.exp_dir, 0.0), args.singles))
    baseline = single_talker_wer(args.baseline_recogs, [d.id for d in singles])
    check_path = decode_dir(args.exp_dir, 0.0) / "onnx" / "check.json"
    check = json.loads(check_path.read_text()) if check_path.is_file() else {}
    twin = decode_dir(args.exp_dir, 0.0)
    lines = [f"# {args.title}", "", "Produced by:", "", "```bash", args.command, "```", "",
             f"Single-talker streaming baseline: `{args.baseline_recogs}`. Figure of one test mixture (late weight 0): "
             f"`{decoded_path(twin, args.mixtures).with_name(args.mixtures + '-mixture.png')}`.", ""]
    lines += training_lines({w: read_tsv(decode_dir(args.exp_dir, w) / "log" / "loss.tsv") for w in cfg.surt.late_scales})
    lines += report_lines(scores, baseline, cfg.surt, check.get("max_abs_diff"), check.get("same_tokens"))
    write_text_atomic(args.out, "\n".join(lines))


if __name__ == "__main__":
    run_main(main)
