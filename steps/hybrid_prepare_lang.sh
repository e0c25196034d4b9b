#!/usr/bin/env bash
# Kaldi's utils/prepare_lang.sh for the hybrid recipes: a lexicon and its fillers -> <lang-dir>
# (phones.txt, words.txt, L.fst, L_disambig.fst, topo, phones/, oov.txt), by icefall_ext.hybrid.lang.
#   steps/hybrid_prepare_lang.sh [--phones <phone-set>] [--oov '<UNK>'] <lexicon> <fillers> <lang-dir>
# Skipped when <lang-dir>/.done says it was made from the same inputs.
set -euo pipefail

phones=
oov="<UNK>"
help_message="Usage: $0 [--phones <phone-set>] [--oov WORD] <lexicon> <fillers> <lang-dir>"
. utils/parse_options.sh
if [ $# -ne 3 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
lexicon=$1
fillers=$2
lang=$3

phone_opt=()
[ -n "$phones" ] && phone_opt=(--phones "$phones")
inputs=("$lexicon" "$fillers")
[ -n "$phones" ] && inputs+=("$phones")
utils/run_once.sh --inputs "${inputs[*]}" "$lang/.done" \
  python -m icefall_ext.bin.prepare_lang --lexicon "$lexicon" --fillers "$fillers" "${phone_opt[@]}" \
    --oov "$oov" --lang-dir "$lang"
