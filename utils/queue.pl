#!/usr/bin/env perl
# Runs a command, or an array of N commands, as a Grid Engine (SGE) job, with Kaldi's command
# line and log conventions (the same as run.pl and slurm.pl):
#   queue.pl [options] [JOB=START:END] <log-file> <command...>
# e.g. queue.pl --mem 2G --num-threads 2 JOB=1:4 exp/log/foo.JOB.log echo JOB
# The job is one qsub array (-t START:END); each task runs and logs as run.pl's do (JOB replaced
# wherever it occurs, bash, stdin from /dev/null, Kaldi's log header and '# Ended (code N)'
# footer: the rules are in parallel/KaldiJobs.pm) and the script waits for all of them, then
# exits 1 naming the failed tasks' logs. Ctrl-C (or SIGTERM) deletes the submitted job. Options become qsub
# options through the config: --config F, else conf/queue.conf in the working directory, else
# utils/parallel/queue.conf. --max-jobs-run N caps running tasks (-tc N).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/parallel";
use KaldiJobs qw(run_cluster_job);

run_cluster_job({
  name => "queue.pl",
  config => "$FindBin::RealBin/parallel/queue.conf",
  task_var => "SGE_TASK_ID",
  submit => sub {
    my ($command, $opts, $script, $qdir, $base, $start, $end, $array, $max_jobs_run) = @_;
    my $range = $array ? " -t $start:$end" . ($max_jobs_run ? " -tc $max_jobs_run" : "") : "";
    my $out = $array ? "$qdir/$base.\$TASK_ID.out" : "$qdir/$base.out";
    return "$command $opts$range -N '$base' -o '$out' '$script'";
  },
  job_id => sub { $_[0] =~ m/Your job(?:-array)? (\d+)/ ? $1 : ($_[0] =~ m/^(\d+)(\.\S+)?\s*$/m ? $1 : undef) },
  queued => sub {
    # qstat -j fails once the job has left the system; it does not list task states simply,
    # so a job still known counts for all its unfinished tasks.
    my ($job_id) = @_;
    my $out = `qstat -j $job_id 2>&1`;
    return {"*" => ["queued", ""]} if $? == 0;
    return $out =~ m/do(es)? not exist/i ? {} : undef;
  },
  # Impossible requests are refused at submission ('qsub -w e' in the default config).
  never_runs => sub { undef },
  cancel => sub { "qdel $_[0]" },
}, @ARGV);
