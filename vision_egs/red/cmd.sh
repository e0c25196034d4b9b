# Where this recipe's jobs run (Kaldi's cmd.sh convention): train_cmd for the stages run.sh runs
# through --cmd: the classifiers (stage 1), the adversarial sets (stage 2) and the denoisers
# (stage 3), each split into --nj jobs, and the evaluation (stage 4) as one job; with
# --device cuda the training jobs ask for --gpu 1. Logs: exp/log/<stage>.JOB.log.
# One machine: utils/run.pl runs them as local background processes (the default here).
# A cluster: utils/slurm.pl (Slurm) or utils/queue.pl (Grid Engine) take the same command line;
# --mem, --num-threads, --gpu and --time become sbatch/qsub options through conf/slurm.conf or
# conf/queue.conf when the recipe has one, else utils/parallel/{slurm,queue}.conf. For Slurm:
#   export train_cmd="utils/slurm.pl --mem 4G"
export train_cmd="utils/run.pl"
