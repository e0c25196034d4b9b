#!/usr/bin/env python3
"""Prints how large each encoder module's output is and how much it varies over time, on a few
cuts, for a trained checkpoint: the check for an encoder that has collapsed (every frame the same
output, so that the model ignores its audio), with the CTC head's outputs on the same cuts.

    python -m icefall_ext.bin.encoder_stats --config conf/tiny.yaml --exp-dir exp/transducer \
        --bpe-model data/lang_bpe/bpe.model --epoch 8 --avg 1 --cuts data/fbank/cuts_dev.jsonl.gz
"""
import argparse
from pathlib import Path

import torch
from lhotse import CutSet

from icefall_ext.data.datamodule import eval_dataloader
from icefall_ext.decoding.ctc_greedy_search import ctc_greedy_search
from icefall_ext.models.diagnostics import encoder_activation_stats
from icefall_ext.models.load import add_model_arguments, load_transducer_from_args
from icefall_ext.training import batch_texts, batch_to_inputs
from recipe_common.cli import run_main
from recipe_common.errors import InputError


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--cuts", required=True, type=Path, help="a cut manifest with features (data/fbank/cuts_*.jsonl.gz)")
    p.add_argument("--num-cuts", type=int, default=8)
    args = p.parse_args()
    if not args.cuts.is_file():
        raise InputError(f"{args.cuts}: cut manifest does not exist")
    if args.num_cuts < 1:
        raise InputError(f"--num-cuts {args.num_cuts}: must be at least 1")
    torch.set_num_threads(1)
    model, tokenizer, epoch, avg = load_transducer_from_args(args)
    cuts = CutSet.from_file(args.cuts).subset(first=args.num_cuts)
    batch = next(iter(eval_dataloader(cuts, max_duration=1e9)))
    x, x_lens, _, _ = batch_to_inputs(batch, tokenizer, torch.device("cpu"))
    print(f"{args.exp_dir} epoch {epoch} avg {avg}, {x.shape[0]} cuts of {args.cuts}\n")
    print("| module | mean abs output | std over time |\n|---|---|---|")
    for row in encoder_activation_stats(model.encoder, x, x_lens):
        print(f"| {row.module} | {row.mean_abs:.3g} | {row.time_std:.3g} |")
    if model.ctc_output is not None:
        encoder_out, encoder_lens = model.forward_encoder(x, x_lens)
        texts = [tokenizer.decode(h) for h in ctc_greedy_search(model, encoder_out, encoder_lens)]
        print(f"\nCTC head: {len(set(texts))} distinct outputs for {len(texts)} cuts")
        for text, ref in zip(texts, batch_texts(batch)):
            print(f"  ref: {ref}\n  hyp: {text}")


if __name__ == "__main__":
    run_main(main)
