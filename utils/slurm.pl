#!/usr/bin/env perl
# Runs a command, or an array of N commands, as a Slurm job, with Kaldi's command line and log
# conventions (the same as run.pl and queue.pl):
#   slurm.pl [options] [JOB=START:END] <log-file> <command...>
# e.g. slurm.pl --mem 2G --num-threads 2 JOB=1:4 exp/log/foo.JOB.log echo JOB
# The job is one sbatch array; each task runs and logs as run.pl's do (JOB replaced wherever it
# occurs, bash, stdin from /dev/null, Kaldi's log header and '# Ended (code N)' footer: the rules
# are in parallel/KaldiJobs.pm) and the script waits for all of them, then exits 1 naming the
# failed tasks' logs. Ctrl-C (or SIGTERM) cancels the submitted job. Options become sbatch
# options through the config: --config F, else conf/slurm.conf in the working directory, else
# utils/parallel/slurm.conf. --max-jobs-run N caps running tasks (--array=1-N%M).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/parallel";
use KaldiJobs qw(run_cluster_job);

# Reasons Slurm gives for a pending job that no waiting will start.
my $never = qr/^(PartitionConfig|PartitionNodeLimit|PartitionTimeLimit|BadConstraints|InvalidAccount|InvalidQOS)$/;

run_cluster_job({
  name => "slurm.pl",
  config => "$FindBin::RealBin/parallel/slurm.conf",
  task_var => "SLURM_ARRAY_TASK_ID",
  submit => sub {
    my ($command, $opts, $script, $qdir, $base, $start, $end, $array, $max_jobs_run) = @_;
    my $range = $array ? " --array=$start-$end" . ($max_jobs_run ? "%$max_jobs_run" : "") : "";
    my $out = $array ? "$qdir/$base.%a.out" : "$qdir/$base.out";
    return "$command $opts$range --job-name '$base' --output '$out' '$script'";
  },
  job_id => sub { $_[0] =~ m/Submitted batch job (\d+)/ ? $1 : ($_[0] =~ m/^(\d+)(;\S+)?\s*$/m ? $1 : undef) },
  queued => sub {
    my ($job_id) = @_;
    my $out = `squeue -h -r -j $job_id -o '%K|%T|%r' 2>&1`;
    if ($? != 0) { return $out =~ m/Invalid job id/i ? {} : undef; }
    my %tasks;
    foreach my $line (split(/\n/, $out)) {
      my ($task, $state, $reason) = split(/\|/, $line);
      next unless defined $reason;
      $tasks{$task eq "N/A" ? "*" : $task} = [$state, $reason];
    }
    return \%tasks;
  },
  never_runs => sub {
    my ($state, $reason) = @_;
    return undef unless $state eq "PENDING" && $reason =~ $never;
    return "Slurm says $reason (it asks for more CPUs, memory, GPUs or time than any node or " .
      "partition has: check --num-threads/--mem/--gpu/--time and the config)";
  },
  cancel => sub { "scancel $_[0]" },
}, @ARGV);
