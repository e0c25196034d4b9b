#!/usr/bin/env python3
"""Two-talker mixtures by the LibriSpeechMix protocol (icefall_ext/data/mixtures.py, the `surt.mixtures`
section) from the single-talker cuts of each split; the splits' speakers must be disjoint, but for
the pairs of --may-share.

    python -m icefall_ext.bin.make_mixtures --config conf/tiny.yaml --out-dir data/mixtures --may-share train,dev \
        train=../ASR/exp/transducer_eos/align/cuts_train.jsonl.gz test=../ASR/exp/transducer_eos/align/cuts_test.jsonl.gz

Writes OUT_DIR/cuts_<split>.jsonl.gz: lhotse MixedCuts of the sources' precomputed features
(nothing is mixed on disk) with one supervision per talker, at its start in the mixture; and
OUT_DIR/sources_<split>.jsonl.gz, the single-talker sources they were drawn from (with --path-root,
their relative paths made absolute, so that another recipe folder reads them). The speed-
perturbed copies among the sources are left out unless surt.speed_copies.
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.data.mixtures import is_speed_copy, mix_splits, mixture_overlap
from icefall_ext.training import load_cuts
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from recipe_common.io import atomic_path
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, help="recipe config (its surt.mixtures section)")
    p.add_argument("--out-dir", required=True, type=Path)
    p.add_argument("--may-share", action="append", default=[], help="A,B: two splits that may share speakers (a dev set cut out of train); repeatable")
    p.add_argument("--path-root", type=Path, default=None,
                   help="the folder the sources' relative feature and audio paths start from (their recipe's)")
    p.add_argument("splits", nargs="+", help="SPLIT=PATH of single-talker cuts with features")
    args = p.parse_args()
    setup_logger()
    cfg = load_config(args.config, AsrRecipeConfig)
    sources = {}
    for item in args.splits:
        split, sep, path = item.partition("=")
        if not sep or not split or not path:
            raise InputError(f"'{item}': a split is SPLIT=PATH")
        cuts = load_cuts(Path(path))
        if args.path_root is not None:  # an absolute path stays as it is (pathlib's /)
            root = str(args.path_root.resolve())
            cuts = cuts.map(lambda c: c.with_features_path_prefix(root).with_recording_path_prefix(root))
        sources[split] = cuts if cfg.surt.speed_copies else cuts.filter(lambda c: not is_speed_copy(c)).to_eager()
    may_share = []
    for pair in args.may_share:
        a, sep, b = pair.partition(",")
        if not sep or a not in sources or b not in sources:
            raise InputError(f"--may-share '{pair}': expected A,B of two of the splits ({', '.join(sources)})")
        may_share.append((a, b))
    for split, mixtures in mix_splits(sources, cfg.surt.mixtures, may_share).items():
        out = args.out_dir / f"cuts_{split}.jsonl.gz"
        with atomic_path(out) as tmp:
            mixtures.to_file(tmp)
        with atomic_path(args.out_dir / f"sources_{split}.jsonl.gz") as tmp:
            sources[split].to_file(tmp)
        ratios = sorted(mixture_overlap(m)[1] for m in mixtures)
        logging.info(f"{out}: {len(mixtures)} mixtures of {len(sources[split])} utterances, "
                     f"{sum(m.duration for m in mixtures) / 3600:.2f} h, median overlap ratio "
                     f"{ratios[len(ratios) // 2] if ratios else float('nan'):.2f}")


if __name__ == "__main__":
    run_main(main)
