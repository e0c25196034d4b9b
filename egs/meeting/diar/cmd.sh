# Where this recipe's jobs run (Kaldi's cmd.sh convention): train_cmd for the parallel front-end
# jobs (run.sh --cmd). One machine: utils/run.pl; a cluster: utils/slurm.pl or utils/queue.pl with
# the same command line, e.g. export train_cmd="utils/slurm.pl --mem 2G".
export train_cmd="utils/run.pl"
