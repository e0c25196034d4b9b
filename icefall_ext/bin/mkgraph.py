#!/usr/bin/env python3
"""Kaldi's utils/mkgraph.sh: HCLG.fst from a lang dir with G.fst and a model.

    python -m icefall_ext.bin.mkgraph data/lang_test_bg exp/mono/final.mdl exp/mono/graph

Copies words.txt, phones.txt, lexicon.txt and phones/silence.int beside HCLG.fst (Kaldi's graph dirs
have the symbol tables; the lexicon gives word times).
"""
import argparse
import logging
import shutil
from pathlib import Path

from icefall_ext.hybrid.graph import check_lang_matches_model, make_hclg
from icefall_ext.hybrid.kaldi import kaldifst
from icefall_ext.hybrid.lang import read_int_list, read_symbol_table, write_fst_atomic
from icefall_ext.hybrid.mono import GmmHmm
from recipe_common.cli import run_main
from recipe_common.errors import InputError
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("lang_dir", type=Path)
    p.add_argument("model", type=Path)
    p.add_argument("graph_dir", type=Path)
    p.add_argument("--self-loop-scale", type=float, default=0.1)
    p.add_argument("--transition-scale", type=float, default=1.0)
    args = p.parse_args()
    setup_logger()
    for name in ("L_disambig.fst", "G.fst", "phones.txt", "words.txt", "lexicon.txt"):
        if not (args.lang_dir / name).is_file():
            raise InputError(f"{args.lang_dir}/{name}: does not exist (a lang dir with G: run the G stage)")
    model = GmmHmm.load(args.model)
    phones = read_symbol_table(args.lang_dir / "phones.txt")
    disambig = read_int_list(args.lang_dir / "phones" / "disambig.int")
    lang_phones = {p: i for p, i in phones.items() if i != 0 and i not in disambig}
    check_lang_matches_model(lang_phones, model.hmm.trans_model, model.phones, str(args.lang_dir))
    l_disambig = kaldifst.StdVectorFst.read(str(args.lang_dir / "L_disambig.fst"))
    g = kaldifst.StdVectorFst.read(str(args.lang_dir / "G.fst"))
    hclg = make_hclg(l_disambig, g, disambig, model.hmm.ctx_dep, model.hmm.trans_model,
                     transition_scale=args.transition_scale, self_loop_scale=args.self_loop_scale)
    write_fst_atomic(hclg, args.graph_dir / "HCLG.fst")
    for name in ("words.txt", "phones.txt", "lexicon.txt", "phones/silence.int"):  # for decoding and word times
        (args.graph_dir / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(args.lang_dir / name, args.graph_dir / name)
    logging.info(f"{args.graph_dir}/HCLG.fst: {hclg.num_states} states")


if __name__ == "__main__":
    run_main(main)
