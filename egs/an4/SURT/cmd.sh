# Where this recipe's jobs run (Kaldi's cmd.sh convention): train_cmd and decode_cmd for CPU
# jobs (feature extraction: run.sh --cmd), cuda_cmd for training (run.sh --trainer-cmd "$cuda_cmd").
# One machine: utils/run.pl runs them as local background processes (the default here).
# A cluster: utils/slurm.pl (Slurm) or utils/queue.pl (Grid Engine) take the same command line;
# --mem, --num-threads, --gpu and --time become sbatch/qsub options through conf/slurm.conf or
# conf/queue.conf when the recipe has one, else utils/parallel/{slurm,queue}.conf. For Slurm:
#   export train_cmd="utils/slurm.pl --mem 2G"
#   export decode_cmd="utils/slurm.pl --mem 4G"
#   export cuda_cmd="utils/slurm.pl --gpu 1 --mem 16G --time 24:00:00"
export train_cmd="utils/run.pl"
export decode_cmd="utils/run.pl"
export cuda_cmd="utils/run.pl --gpu 1"
