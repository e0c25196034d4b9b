#!/usr/bin/env bash
# Kaldi's local/format_lm.sh with the LM made here: a word bigram ARPA on the training transcripts
# and G.fst (kaldilm's arpa2fst in its own process) in <lang-test>, a copy of <lang>.
#   steps/hybrid_make_g.sh <conf> <train-text> <lang> <lang-test>
set -euo pipefail

help_message="Usage: $0 <conf> <train-text> <lang> <lang-test>"
. utils/parse_options.sh
if [ $# -ne 4 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
conf=$1
text=$2
lang=$3
lang_test=$4
utils/run_once.sh --inputs "$conf:lm $text $lang/words.txt $lang/L_disambig.fst" "$lang_test.g.done" \
  python -m icefall_ext.bin.make_hybrid_g --config "$conf" --text "$text" --lang-dir "$lang" --out-dir "$lang_test"
