# Where this recipe's jobs run (Kaldi's cmd.sh convention): train_cmd for the training stages (2, 3, 7),
# split into --nj jobs (run.sh --cmd); timing_cmd for the latency stages (4, 9), one job each on the
# measured machine (run.sh --timing-cmd). Logs: exp/log/<stage>.JOB.log.
# A cluster: utils/slurm.pl (Slurm) or utils/queue.pl (Grid Engine) take the same command line, e.g.
#   export train_cmd="utils/slurm.pl --mem 4G"
export train_cmd="utils/run.pl"
export timing_cmd="utils/run.pl"
