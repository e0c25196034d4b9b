#!/usr/bin/env bash
# Real-time super-resolution by architecture and pruning search (Zhan et al., ICCV'21): a WDSR-B
# weight-sharing supernet, an ONNX Runtime per-block latency table, evolutionary architecture search
# and per-block pruning-ratio search under a budget per 720p frame, against bicubic, FSRCNN, ESPCN
# and a small WDSR-B trained here on the same data.
#
#   ./run.sh --conf conf/ci.yaml                                                # embedded images, CI (~3 min)
#   ./run.sh --corpus-dir ../../../shared/data/sr                              # conf/tiny.yaml (~2.5 h on 2 cores)
#   ./run.sh --corpus-dir /data/sr --conf conf/full.yaml --nj 4 --cmd "utils/slurm.pl --mem 8G"
#   ./run.sh --stage 10                                                        # re-write RESULTS.md
#
# Stages: 0 check inputs, 1 bicubic scores, 2 train the baselines, 3 train the supernet (sandwich
#         rule), 4 latency table (cached), 5 architecture search, 6 pruning-ratio search, 7 fine-tune
#         the pruned model, 8 evaluate every model, 9 ONNX export and measured latency, 10 RESULTS.md.
#         Stages 2, 3 and 7 resume and skip finished trainings; the others skip when their marker
#         (utils/run_once.sh) matches their inputs and are redone when an input changes. The
#         training stages run as --nj jobs through --cmd, the timing stages as one job each
#         through --timing-cmd (cmd.sh); logs in exp/log/ and exp/<stage>/log/.
set -euo pipefail

cmdline="./$(basename "$0") $*"  # as typed in the recipe folder, which the script works in
cd "$(dirname "$0")"
. ./cmd.sh

stage=0
stop_stage=100
nj=1                  # jobs of the training stages (2, 3, 7; each takes every nj-th model)
cmd=$train_cmd        # job runner of the training stages (cmd.sh)
timing_cmd=$timing_cmd  # job runner of the timing stages (4, 9): one job, on the measured machine
conf=conf/tiny.yaml
corpus_dir=           # root of the config's data folders (T91/, BSD200/, Set5/, ...); empty: local/sr_subset
exp_dir=exp
results=RESULTS.md

. utils/parse_options.sh
. utils/check_stages.sh 10
. ./path.sh
. utils/log.sh

stage_times=$exp_dir/log/stage_times.tsv
logs=$exp_dir/log
data_args=()
[ -n "$corpus_dir" ] && data_args+=(--corpus-dir "$corpus_dir")
args=(--config "$conf" --exp-dir "$exp_dir")

# The files a stage reads that earlier stages wrote (their sha1 goes into its marker).
made() { local g; for g in "$@"; do compgen -G "$g" || true; done | tr '\n' ' '; }

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "Stage 0: check config and images"
  utils/run_once.sh --inputs "$conf" "$exp_dir/log/.check_inputs.done" \
    python -m vision_egs.sr_search.bin.check_inputs --config "$conf" "${data_args[@]}"
fi

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "Stage 1: bicubic scores -> $exp_dir/bicubic/scores.json"
  timed_stage "$stage_times" 1 utils/run_once.sh --inputs "$conf:data" "$exp_dir/bicubic/.done" \
    python -m vision_egs.sr_search.bin.score_bicubic "${args[@]}" "${data_args[@]}"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "Stage 2: train the baselines -> $exp_dir/baselines/<model>_x<s> (nj=$nj, $logs/baselines.*.log)"
  timed_stage "$stage_times" 2 $cmd JOB=1:"$nj" "$logs/baselines.JOB.log" \
    python -m vision_egs.sr_search.bin.train_baselines "${args[@]}" --job JOB --num-jobs "$nj" "${data_args[@]}"
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "Stage 3: train the supernet (sandwich rule) -> $exp_dir/supernet/x<s> (nj=$nj, $logs/supernet.*.log)"
  timed_stage "$stage_times" 3 $cmd JOB=1:"$nj" "$logs/supernet.JOB.log" \
    python -m vision_egs.sr_search.bin.train_supernet "${args[@]}" --job JOB --num-jobs "$nj" "${data_args[@]}"
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  log "Stage 4: latency table -> $exp_dir/latency/table_x<s>.json (one job, $logs/latency_table.log)"
  timed_stage "$stage_times" 4 utils/run_once.sh --inputs "$conf:space $conf:latency $conf:pruning" \
    "$exp_dir/latency/.table.done" $timing_cmd "$logs/latency_table.log" \
    python -m vision_egs.sr_search.bin.build_latency_table "${args[@]}"
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  log "Stage 5: architecture search -> $exp_dir/search/x<s>.json"
  timed_stage "$stage_times" 5 utils/run_once.sh \
    --inputs "$conf:data $conf:space $conf:latency $conf:search $(made "$exp_dir/supernet/*/epoch-*.pt" "$exp_dir/latency/table_x*.json")" \
    "$exp_dir/search/.done" python -m vision_egs.sr_search.bin.search_arch "${args[@]}" "${data_args[@]}"
fi

if [ "$stage" -le 6 ] && [ "$stop_stage" -ge 6 ]; then
  log "Stage 6: pruning-ratio search -> $exp_dir/pruning/x<s>.json"
  timed_stage "$stage_times" 6 utils/run_once.sh \
    --inputs "$conf:data $conf:pruning $conf:latency $(made "$exp_dir/search/x*.json" "$exp_dir/latency/table_x*.json")" \
    "$exp_dir/pruning/.done" python -m vision_egs.sr_search.bin.search_pruning "${args[@]}" "${data_args[@]}"
fi

if [ "$stage" -le 7 ] && [ "$stop_stage" -ge 7 ]; then
  log "Stage 7: fine-tune the pruned model -> $exp_dir/finetune/x<s> (nj=$nj, $logs/finetune.*.log)"
  timed_stage "$stage_times" 7 $cmd JOB=1:"$nj" "$logs/finetune.JOB.log" \
    python -m vision_egs.sr_search.bin.finetune_pruned "${args[@]}" --job JOB --num-jobs "$nj" "${data_args[@]}"
fi

models="$exp_dir/baselines/*/epoch-*.pt $exp_dir/supernet/*/epoch-*.pt $exp_dir/search/x*.json $exp_dir/finetune/*/epoch-*.pt"
if [ "$stage" -le 8 ] && [ "$stop_stage" -ge 8 ]; then
  log "Stage 8: evaluate every model -> $exp_dir/eval/x<s>.json"
  # shellcheck disable=SC2086
  timed_stage "$stage_times" 8 utils/run_once.sh --inputs "$conf:data $(made $models)" \
    "$exp_dir/eval/.done" python -m vision_egs.sr_search.bin.evaluate "${args[@]}" "${data_args[@]}"
fi

if [ "$stage" -le 9 ] && [ "$stop_stage" -ge 9 ]; then
  log "Stage 9: ONNX export and measured latency -> $exp_dir/onnx/x<s>, $exp_dir/latency/measured_x<s>.json (one job, $logs/export_latency.log)"
  # shellcheck disable=SC2086
  timed_stage "$stage_times" 9 utils/run_once.sh --inputs "$conf:latency $(made $models)" \
    "$exp_dir/onnx/.done" $timing_cmd "$logs/export_latency.log" \
    python -m vision_egs.sr_search.bin.export_latency "${args[@]}"
fi

if [ "$stage" -le 10 ] && [ "$stop_stage" -ge 10 ]; then
  log "Stage 10: $results"
  utils/run_once.sh --inputs "$conf:results $conf:data $conf:latency $(made "$exp_dir/bicubic/scores.json" \
    "$exp_dir/eval/x*.json" "$exp_dir/latency/measured_x*.json" "$exp_dir/pruning/x*.json")" \
    --ignore "--command" "$exp_dir/.results.done" python -m vision_egs.sr_search.bin.write_results --config "$conf" \
    --exp-dir "$exp_dir" --command "$cmdline" --out "$results"
fi
