#!/usr/bin/env python3
"""Kaldi's steps/decode.sh (one-best): a data dir through HCLG with a GMM-HMM at each LM weight
(acoustic scale 1/LMWT); writes icefall's recogs-<set>-lmwt-<W>.txt, rtf-* and the word times as
Kaldi's CTM (ctm-<set>-lmwt-<W>.txt) in the decode dir (steps/score.sh then writes errs-* and wer-summary-*).

    python -m icefall_ext.bin.decode_hybrid --config conf/tiny.yaml --set-name dev \
        exp/mono/graph exp/mono/final.mdl data/mfcc/dev exp/mono/decode_dev
"""
import argparse
from pathlib import Path

from icefall_ext.hybrid.config import HybridRecipeConfig
from icefall_ext.hybrid.data import read_feats, read_text
from icefall_ext.hybrid.decode import HclgDecoder
from icefall_ext.hybrid.decode_set import decode_set
from icefall_ext.hybrid.kaldi import kaldifst
from icefall_ext.hybrid.lang import read_int_list, read_prons, read_symbol_table
from icefall_ext.hybrid.mono import GmmHmm
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--set-name", required=True)
    p.add_argument("graph_dir", type=Path)
    p.add_argument("model", type=Path)
    p.add_argument("data_dir", type=Path)
    p.add_argument("decode_dir", type=Path)
    args = p.parse_args()
    setup_logger()
    cfg = load_config(args.config, HybridRecipeConfig).decode
    if not (args.graph_dir / "HCLG.fst").is_file():
        raise InputError(f"{args.graph_dir}/HCLG.fst: does not exist (run mkgraph first)")
    model = GmmHmm.load(args.model)
    hclg = kaldifst.StdVectorFst.read(str(args.graph_dir / "HCLG.fst"))
    word_ids = read_symbol_table(args.graph_dir / "words.txt")
    words = {i: w for w, i in word_ids.items()}
    prons = read_prons(args.graph_dir / "lexicon.txt", word_ids, read_symbol_table(args.graph_dir / "phones.txt"))
    silence = set(read_int_list(args.graph_dir / "phones" / "silence.int"))
    decoder = HclgDecoder(hclg, model.hmm, beam=cfg.beam, max_active=cfg.max_active, lattice_beam=cfg.lattice_beam)
    decode_set(decoder, model, read_feats(args.data_dir / "feats.npz"), read_text(args.data_dir / "text"), words,
               prons, silence, cfg.lm_weights, set(cfg.non_scoring_words), args.decode_dir, args.set_name)


if __name__ == "__main__":
    run_main(main)
