#!/usr/bin/env perl
# Runs a command locally, or an array of N commands as background jobs, with Kaldi's
# command line and log conventions (the same as queue.pl and slurm.pl):
#   run.pl [options] [JOB=1:N] <log-file> <command...>
# 'JOB' in the log name and the command is replaced by the task number. Each log starts with
# '# <command>' and '# Started at ...' and ends with '# Accounting: ...' and
# '# Ended (code N) at ...'. Options: --max-jobs-run N (or -tc N) caps parallel jobs
# (default: number of CPUs); --mem, --num-threads, --gpu, --config take a value and are
# accepted for compatibility with the cluster scripts.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/parallel";
use KaldiJobs qw(parse_job_range check_log_name quote_command substitute_job report_failures);

$SIG{__DIE__} = sub { print STDERR $_[0]; exit 1; };

my $max_jobs_run = -1;
my $num_threads = 1;

sub usage {
  print STDERR "Usage: run.pl [options] [JOB=1:N] log-file command-line arguments...\n" .
    "e.g.: run.pl JOB=1:4 exp/log/foo.JOB.log echo JOB\n" .
    "Options: --max-jobs-run N (-tc N), --mem M, --num-threads T, --gpu G, --config F\n";
  exit 1;
}

usage() if @ARGV < 2;

while (@ARGV >= 2 && $ARGV[0] =~ m/^-/) {
  my $switch = shift @ARGV;
  if ($switch eq "-V") { next; }
  my $value = shift @ARGV;
  if ($switch eq "--max-jobs-run" || $switch eq "-tc") {
    die "run.pl: invalid value '$value' for $switch\n" unless $value =~ m/^\d+$/ && $value > 0;
    $max_jobs_run = $value;
  } elsif ($switch eq "--num-threads") {
    $num_threads = $value;
  } elsif ($switch =~ m/^--(mem|gpu|config|time)$/) {
    # Meaningful to queue.pl/slurm.pl only.
  } else {
    die "run.pl: unknown option $switch\n";
  }
}

my ($jobname, $jobstart, $jobend, $array_job) = parse_job_range("run.pl", \@ARGV);
usage() if @ARGV < 2;
my $logfile = shift @ARGV;
check_log_name("run.pl", $logfile, $jobname, $jobstart, $jobend, $array_job);

if ($max_jobs_run == -1) {
  $max_jobs_run = `nproc 2>/dev/null` || 1;
  chomp $max_jobs_run;
}

my $cmd = quote_command(@ARGV);

my %active;    # pid -> task id
my %status;    # task id -> exit status

sub reap_one {
  my $pid = wait();
  return if $pid == -1;
  my $id = delete $active{$pid};
  $status{$id} = $? if defined $id;
}

for (my $jobid = $jobstart; $jobid <= $jobend; $jobid++) {
  reap_one() while scalar(keys %active) >= $max_jobs_run;
  my $childpid = fork();
  die "run.pl: error forking: $!\n" unless defined $childpid;
  if ($childpid == 0) {
    my $this_cmd = substitute_job($cmd, $jobname, $jobid);
    my $this_log = substitute_job($logfile, $jobname, $jobid);
    my $logdir = $this_log;
    $logdir =~ s:/[^/]+$::;
    system("mkdir -p '$logdir'") if $logdir ne $this_log;
    open(my $fh, ">", $this_log) || die "run.pl: error opening log file $this_log\n";
    print $fh "# " . $this_cmd . "\n";
    print $fh "# Started at " . `date`;
    print $fh "#\n";
    close($fh);
    my $starttime = time();
    my $rc = system("( $this_cmd ) >>'$this_log' 2>&1");
    my $endtime = time();
    my $code = $rc == -1 ? 127 : ($rc & 127 ? 128 + ($rc & 127) : $rc >> 8);
    open($fh, ">>", $this_log) || die "run.pl: error appending to log file $this_log\n";
    print $fh "# Accounting: time=" . ($endtime - $starttime) . " threads=$num_threads\n";
    print $fh "# Ended (code $code) at " . `date`;
    close($fh);
    exit($code == 0 ? 0 : 1);
  }
  $active{$childpid} = $jobid;
}
reap_one() while scalar(keys %active) > 0;

my @failed = grep { !defined $status{$_} || $status{$_} != 0 } ($jobstart .. $jobend);
exit(report_failures("run.pl", $logfile, $jobname, $jobstart, $jobend, \@failed));
