#!/usr/bin/env python3
"""Kaldi's utils/prepare_lang.sh: a lexicon -> data/lang (see icefall_ext.hybrid.lang for the choices).

    python -m icefall_ext.bin.prepare_lang --lexicon etc/an4.dic --fillers etc/an4.filler \
        [--phones etc/an4.phone] --lang-dir data/lang [--oov '<UNK>'] [--sil-prob 0.5]

--fillers: `WORD PHONE` lines whose phones are the silence phones (<s> and </s> stay out of L);
--phones: the phone set every lexicon phone must belong to.
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.hybrid.lang import prepare_lang, read_lexicon, read_phone_set, write_lang_dir
from recipe_common.cli import run_main
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lexicon", required=True, type=Path)
    p.add_argument("--fillers", required=True, type=Path)
    p.add_argument("--phones", type=Path, help="phone set (one a line); default: no check")
    p.add_argument("--lang-dir", required=True, type=Path)
    p.add_argument("--oov", default="<UNK>")
    p.add_argument("--oov-phone", default="SPN")
    p.add_argument("--optional-silence", default="SIL")
    p.add_argument("--sil-prob", type=float, default=0.5)
    args = p.parse_args()
    setup_logger()
    phone_set = read_phone_set(args.phones) if args.phones else None
    fillers = read_lexicon(args.fillers, phone_set)
    lexicon = read_lexicon(args.lexicon, phone_set) + fillers
    silence = list(dict.fromkeys(ph for _, pron in fillers for ph in pron))
    lang = prepare_lang(lexicon, silence, args.optional_silence, args.oov, args.oov_phone, args.sil_prob)
    write_lang_dir(lang, args.lang_dir)
    logging.info(f"{args.lang_dir}: {len(lang.words)} words, {len(lang.phones)} phones "
                 f"({len(lang.disambig_phones)} disambiguation symbols)")


if __name__ == "__main__":
    run_main(main)
