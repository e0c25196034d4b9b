#!/usr/bin/env bash
# Calls a job runner the way Kaldi's steps/scoring/score_kaldi_wer.sh and decode scripts call
# run.pl: a range that starts above 1 (LMWT=7:9), the range name inside file names
# (wer_LMWT_$wip, decode_JOB.log, --out=hypJOB), bash-only syntax inside the jobs, '>&' as a
# quoted redirection, and a while-read loop around the runner.
#   tests/utils/kaldi_style_scoring.sh <runner, e.g. utils/run.pl> <dir>
set -euo pipefail

cmd=$1
dir=$2
nj=2
min_lmwt=7
max_lmwt=9
word_ins_penalty=0.0,0.5

mkdir -p "$dir/log"
echo 'scale=2' > "$dir/settings.sh"

# decode: one job per split, JOB next to '_' in the log name and to a letter in an option
$cmd JOB=1:$nj "$dir/log/decode_JOB.log" \
  echo --out=hypJOB '>' "$dir/hyp_JOB.txt" || exit 1

for wip in $(echo $word_ins_penalty | sed 's/,/ /g'); do
  mkdir -p "$dir/scoring/penalty_$wip/log"
  # bash only: pipefail, source, [[ ]], $(( ** )), brace expansion
  $cmd LMWT=$min_lmwt:$max_lmwt "$dir/scoring/penalty_$wip/log/best_path.LMWT.log" \
    set -o pipefail '&&' source "$dir/settings.sh" '&&' '[[' LMWT -ge $min_lmwt ']]' '&&' \
    echo LMWT '$((LMWT**scale))' '{1..3}' \| cat '>' "$dir/scoring/penalty_$wip/LMWT.txt" || exit 1
  $cmd LMWT=$min_lmwt:$max_lmwt "$dir/scoring/penalty_$wip/log/score.LMWT.log" \
    cat "$dir/scoring/penalty_$wip/LMWT.txt" ">&" "$dir/wer_LMWT_$wip" || exit 1
done

# a job that reads its standard input (here wc -l) must not take the lines the loop reads
for lmwt in $(seq $min_lmwt $max_lmwt); do echo "$lmwt"; done | while read -r lmwt; do
  $cmd "$dir/scoring/log/stdin_$lmwt.log" wc -l '>' "$dir/stdin_lines_$lmwt" || exit 1
done
