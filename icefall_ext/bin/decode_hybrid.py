#!/usr/bin/env python3
"""Kaldi's steps/decode.sh (one-best): a data dir through HCLG with a GMM-HMM at each LM weight
(acoustic scale 1/LMWT); writes icefall's recogs-<set>-lmwt-<W>.txt and rtf-* in the decode dir
(steps/score.sh then writes errs-* and wer-summary-*).

    python -m icefall_ext.bin.decode_hybrid --config conf/tiny.yaml --set-name dev \
        exp/mono/graph exp/mono/final.mdl data/mfcc/dev exp/mono/decode_dev
"""
import argparse
import logging
import time
from pathlib import Path

from icefall_ext.decoding.scoring import Rtf, write_recogs, write_rtf
from icefall_ext.hybrid.config import HybridRecipeConfig
from icefall_ext.hybrid.data import read_feats, read_text
from icefall_ext.hybrid.decode import HclgDecoder, decode_gmm
from icefall_ext.hybrid.kaldi import kaldifst
from icefall_ext.hybrid.lang import read_symbol_table
from icefall_ext.hybrid.mono import GmmHmm
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.logging import setup_logger

FRAME_SHIFT_S = 0.01


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
    words = {i: w for w, i in read_symbol_table(args.graph_dir / "words.txt").items()}
    decoder = HclgDecoder(hclg, model.hmm, beam=cfg.beam, max_active=cfg.max_active, lattice_beam=cfg.lattice_beam)
    feats = read_feats(args.data_dir / "feats.npz")
    text = read_text(args.data_dir / "text")
    audio_s = sum(len(x) for x in feats.values()) * FRAME_SHIFT_S
    for lmwt in cfg.lm_weights:
        start = time.time()
        hyps = decode_gmm(decoder, model, feats, 1.0 / lmwt)
        elapsed = time.time() - start
        failed = [u for u, h in hyps.items() if not h.ok]
        if failed:
            logging.warning(f"LMWT {lmwt:g}: {len(failed)} utterance(s) without a full path (partial output used)")
        drop = set(cfg.non_scoring_words)
        results = [(u, [w for w in text.get(u, []) if w not in drop],
                    [words[i] for i in hyps[u].word_ids if words[i] not in drop]) for u in sorted(hyps)]
        name = f"{args.set_name}-lmwt-{lmwt:g}"
        write_recogs(args.decode_dir / f"recogs-{name}.txt", results)
        write_rtf(args.decode_dir / f"rtf-{name}.txt", Rtf(elapsed, audio_s, 1))
        logging.info(f"{name}: {len(results)} utterances, RTF {elapsed / max(audio_s, 1e-9):.4f}")


if __name__ == "__main__":
    run_main(main)
