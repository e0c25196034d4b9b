# Where this recipe's jobs run (Kaldi's cmd.sh convention): train_cmd for stage 1's runs, split
# into --nj jobs (run.sh --cmd); timing_cmd for stage 2's step timing, one job on the measured
# machine (run.sh --timing-cmd). Logs: exp/log/<stage>.JOB.log.
# A cluster: utils/slurm.pl (Slurm) or utils/queue.pl (Grid Engine) take the same command line, e.g.
#   export train_cmd="utils/slurm.pl --mem 4G"
export train_cmd="utils/run.pl"
export timing_cmd="utils/run.pl"
