#!/usr/bin/env bash
# Computes kaldi-native-fbank features for a cut manifest in --nj parallel jobs run by --cmd.
#   steps/make_fbank.sh [--nj 4] [--cmd utils/run.pl] [--speed-perturb "0.9 1.1"] [--volume-perturb-db "-30 10"] \
#     <in-cuts> <fbank-dir> <name>
# Writes <fbank-dir>/cuts_<name>.jsonl.gz (features in <fbank-dir>/feats_<name>/) and logs in
# <fbank-dir>/log/. Skipped when its marker <fbank-dir>/.cuts_<name>.done says it was made from the
# same input cuts, speed factors and gain range; redone when they changed (utils/stage_marker.sh).
set -euo pipefail

nj=4
cmd=utils/run.pl
speed_perturb=""
volume_perturb_db=""   # "LOW HIGH": each cut (speed copies included) at a random gain in that range, dB
help_message="Usage: $0 [--nj N] [--cmd CMD] [--speed-perturb \"0.9 1.1\"] [--volume-perturb-db \"-30 10\"] <in-cuts> <fbank-dir> <name>"

. utils/parse_options.sh

if [ $# -ne 3 ]; then
  echo "$help_message" 1>&2
  exit 1
fi
in_cuts=$1
fbank_dir=$2
name=$3
out=$fbank_dir/cuts_$name.jsonl.gz
marker=$fbank_dir/.cuts_$name.done

. utils/stage_marker.sh
[ -f "$in_cuts" ] || { echo "$0: $in_cuts: cut manifest does not exist" 1>&2; exit 1; }
want=$(marker_text "make_fbank $name --speed-perturb '$speed_perturb' --volume-perturb-db '$volume_perturb_db'" "$in_cuts")
case "$(marker_state "$marker" "$want")" in
  done) echo "$0: $out done already, skipping"; exit 0 ;;
  changed) echo "$0: $in_cuts or the speed factors or gains changed since $out was made, redoing" ;;
esac
rm -f "$marker"

split_dir=$fbank_dir/split_$name
rm -rf "$split_dir" "$fbank_dir/feats_$name"
mkdir -p "$split_dir" "$fbank_dir/feats_$name" "$fbank_dir/log"

# shellcheck disable=SC2086
python -m icefall_ext.bin.compute_fbank split "$in_cuts" "$nj" "$split_dir" --speed-perturb $speed_perturb \
  --volume-perturb-db $volume_perturb_db

$cmd JOB=1:"$nj" "$fbank_dir/log/fbank_$name.JOB.log" \
  python -m icefall_ext.bin.compute_fbank compute "$split_dir/cuts.JOB.jsonl.gz" \
    "$fbank_dir/feats_$name/feats.JOB" "$split_dir/cuts_fbank.JOB.jsonl.gz"

parts=()
for j in $(seq "$nj"); do parts+=("$split_dir/cuts_fbank.$j.jsonl.gz"); done
python -m icefall_ext.bin.compute_fbank combine "$out" "${parts[@]}"
rm -f "$split_dir"/cuts.*.jsonl.gz
write_marker "$marker" "$want"
echo "$0: wrote $out"
