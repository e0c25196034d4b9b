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
use POSIX ":sys_wait_h";

$SIG{__DIE__} = sub { print STDERR $_[0]; exit 1; };

my $max_jobs_run = -1;
my $num_threads = 1;
my ($jobname, $jobstart, $jobend) = ("", 1, 1);
my $array_job = 0;

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

if (@ARGV && $ARGV[0] =~ m/^([\w_][\w\d_]*)=(.*)$/) {
  my ($name, $range) = ($1, $2);
  if ($range =~ m/^(\d+):(\d+)$/) {
    ($jobname, $jobstart, $jobend) = ($name, $1, $2);
    die "run.pl: empty job range '$ARGV[0]': the first task is after the last\n" if $jobstart > $jobend;
    die "run.pl: invalid job range '$ARGV[0]': tasks are numbered from 0 or 1\n" if $jobstart > 1;
    $array_job = 1;
  } elsif ($range =~ m/^(\d+)$/) {
    ($jobname, $jobstart, $jobend) = ($name, $1, $1);
  } else {
    die "run.pl: invalid job range '$ARGV[0]': expected $name=START:END with whole numbers\n";
  }
  shift @ARGV;
}

usage() if @ARGV < 2;
my $logfile = shift @ARGV;

if ($array_job && $jobstart != $jobend && $logfile !~ m/$jobname/) {
  die "run.pl: you are trying to run a parallel job but you are putting the output " .
    "into just one log file ($logfile); probably you forgot to put $jobname=1:N and " .
    "$jobname in the log name\n";
}

if ($max_jobs_run == -1) {
  $max_jobs_run = `nproc 2>/dev/null` || 1;
  chomp $max_jobs_run;
}

# Quote arguments that contain whitespace, as Kaldi does; the rest reach the shell as they are.
my $cmd = "";
foreach my $x (@ARGV) {
  if ($x =~ m/^\S+$/) { $cmd .= $x . " "; }
  elsif ($x =~ m:\":) { $cmd .= "'" . $x . "' "; }
  else { $cmd .= "\"" . $x . "\" "; }
}

my %active;    # pid -> task id
my %status;    # task id -> exit status
my $ret = 0;

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
    my ($this_cmd, $this_log) = ($cmd, $logfile);
    if ($jobname ne "") {
      $this_cmd =~ s/\b$jobname\b/$jobid/g;
      $this_log =~ s/\b$jobname\b/$jobid/g;
    }
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

my $num_failed = 0;
for (my $jobid = $jobstart; $jobid <= $jobend; $jobid++) {
  $num_failed++ if !defined $status{$jobid} || $status{$jobid} != 0;
}

if ($num_failed == 0) {
  exit(0);
}
my $njobs = $jobend - $jobstart + 1;
if ($njobs == 1 && $jobname eq "") {
  print STDERR "run.pl: job failed, log is in $logfile\n";
} else {
  my $logpattern = $logfile;
  $logpattern =~ s/\b$jobname\b/*/g if $jobname ne "";
  my @failed = grep { !defined $status{$_} || $status{$_} != 0 } ($jobstart .. $jobend);
  my @logs = map { my $l = $logfile; $l =~ s/\b$jobname\b/$_/g; $l } @failed;
  print STDERR "run.pl: $num_failed / $njobs failed, log is in $logpattern (failed: @logs)\n";
}
exit(1);
