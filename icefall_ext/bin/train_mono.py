#!/usr/bin/env python3
"""Kaldi's steps/train_mono.sh: a monophone GMM-HMM from a data dir and a lang dir.

    python -m icefall_ext.bin.train_mono --config conf/tiny.yaml data/mfcc/train data/lang exp/mono

Writes exp/mono/final.mdl (a pickle of the kaldi-hmm-gmm objects), ali.npz (the last alignments)
and log.tsv (per pass: log-likelihood per frame, Gaussians, utterances not aligned).
"""
import argparse
import io
import logging
from pathlib import Path

import numpy as np

from icefall_ext.hybrid.config import HybridRecipeConfig
from icefall_ext.hybrid.data import read_feats, transcript_word_ids
from icefall_ext.hybrid.hmm import monophone_model
from icefall_ext.hybrid.lang import read_int_list, read_symbol_table
from icefall_ext.hybrid.mono import Utterance, train_mono
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.io import atomic_path, write_text_atomic
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("data_dir", type=Path)
    p.add_argument("lang_dir", type=Path)
    p.add_argument("exp_dir", type=Path)
    args = p.parse_args()
    setup_logger()
    cfg = load_config(args.config, HybridRecipeConfig)
    word_ids, ids = transcript_word_ids(args.data_dir / "text", args.lang_dir)
    feats = read_feats(args.data_dir / "feats.npz")
    missing = sorted(set(ids) - set(feats))
    if missing:
        raise InputError(f"{args.data_dir}: {len(missing)} utterance(s) in text without features, e.g. {missing[0]}")
    utts = {u: Utterance(feats[u], ids[u]) for u in sorted(ids)}
    model, log, alignments = train_mono(monophone_model(args.lang_dir), args.lang_dir, utts, cfg.mono)
    disambig = set(read_int_list(args.lang_dir / "phones" / "disambig.int"))
    model.phones = {p: i for p, i in read_symbol_table(args.lang_dir / "phones.txt").items() if i != 0 and i not in disambig}
    model.save(args.exp_dir / "final.mdl")
    buf = io.BytesIO()
    np.savez(buf, **{u: np.asarray(a, dtype=np.int32) for u, a in alignments.items()})
    with atomic_path(args.exp_dir / "ali.npz") as tmp:
        tmp.write_bytes(buf.getvalue())
    rows = [f"{i}\t{ll:.4f}\t{g}" for i, (ll, g) in enumerate(zip(log.log_likes, log.num_gauss))]
    write_text_atomic(args.exp_dir / "log.tsv", "pass\tlog_like_per_frame\tnum_gauss\n" + "\n".join(rows) + "\n")
    logging.info(f"{args.exp_dir}/final.mdl: {model.am.num_gauss} Gaussians, {len(alignments)} of {len(utts)} "
                 f"utterances aligned at the end")


if __name__ == "__main__":
    run_main(main)
