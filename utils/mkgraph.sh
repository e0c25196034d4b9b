#!/usr/bin/env bash
# Kaldi's utils/mkgraph.sh (monophone context; icefall_ext.hybrid.graph says what stands in for
# the OpenFst tools the wheels lack): <graph-dir>/HCLG.fst from <lang-dir>/G.fst and <exp-dir>/final.mdl.
#   utils/mkgraph.sh <lang-dir> <exp-dir> <graph-dir>
set -euo pipefail

help_message="Usage: $0 <lang-dir> <exp-dir> <graph-dir>"
. "$(dirname "${BASH_SOURCE[0]}")/parse_options.sh"
if [ $# -ne 3 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
lang=$1
exp=$2
graph=$3
for f in "$lang/G.fst" "$lang/L_disambig.fst" "$exp/final.mdl"; do
  [ -f "$f" ] || { echo "$0: $f: does not exist" 1>&2; exit 1; }
done
"$(dirname "${BASH_SOURCE[0]}")/run_once.sh" --inputs "$lang/G.fst $lang/L_disambig.fst $exp/final.mdl" "$graph/.done" \
  python -m icefall_ext.bin.mkgraph "$lang" "$exp/final.mdl" "$graph"
