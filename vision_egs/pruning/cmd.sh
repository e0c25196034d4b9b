# Where this recipe's jobs run (Kaldi's cmd.sh convention): train_cmd for the training stages,
# split into --nj jobs (run.sh --cmd): the dense models (stage 0) and the pruned variants
# (stage 3); timing_cmd for the timing stages, one job each (run.sh --timing-cmd): the latency
# table (1), the mapping with its measured calibration (2) and the final measurement (4). Those
# three must time one and the same machine with nothing else running on it, the machine
# RESULTS.md describes, so timing_cmd stays on this one even when the training goes to a cluster.
# Logs: exp/log/<stage>.JOB.log.
# One machine: utils/run.pl runs them as local background processes (the default here).
# A cluster: utils/slurm.pl (Slurm) or utils/queue.pl (Grid Engine) take the same command line;
# --mem, --num-threads, --gpu and --time become sbatch/qsub options through conf/slurm.conf or
# conf/queue.conf when the recipe has one, else utils/parallel/{slurm,queue}.conf. For Slurm:
#   export train_cmd="utils/slurm.pl --mem 4G"
export train_cmd="utils/run.pl"
export timing_cmd="utils/run.pl"
