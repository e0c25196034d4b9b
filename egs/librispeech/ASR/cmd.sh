# Where the jobs of this recipe run (Kaldi's cmd.sh convention).
# On one machine, run.pl runs them as local background processes. On a cluster, switch to
#   export train_cmd="utils/queue.pl --mem 2G"   (Grid Engine), or
#   export train_cmd="utils/slurm.pl --mem 2G"   (Slurm),
# and the same for decode_cmd; cuda_cmd adds --gpu 1.
export train_cmd="utils/run.pl"
export decode_cmd="utils/run.pl"
export cuda_cmd="utils/run.pl --gpu 1"
