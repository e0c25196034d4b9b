#!/usr/bin/env perl
# Runs a command on this machine, or an array of tasks as background processes, as Kaldi's
# utils/parallel/run.pl does (and with the command line of queue.pl and slurm.pl):
#   run.pl [options] [JOB=START:END] [options] <log-file> <command...>
# e.g. run.pl LMWT=7:9 exp/scoring/log/score.LMWT.log echo LMWT
# The name before '=' (JOB, LMWT, ...) is replaced by the task number wherever it occurs in the
# log name and the command, as a plain substring ('decode_JOB.log' -> 'decode_3.log'). Each task
# runs under bash with stdin from /dev/null; its log starts with '# <command>' and
# '# Started at <date>' and ends with '# Accounting: time=X threads=T' and
# '# Ended (code N) at <date>, elapsed time X seconds'. run.pl exits 1 when a task failed,
# printing 'run.pl: N / M failed, log is in <log with *>' (one task: 'job failed, log is in ...').
# Options: --max-jobs-run N (or -tc N; the smallest given wins) caps the tasks run at once;
# without it the cap is the number of GPUs nvidia-smi lists when --gpu is given and not 0,
# else the number of CPUs (raised to the number of tasks when that is below 1.4 times it).
# --pick failed|incomplete|none skips each task whose log ends '# Ended (code 0)' and runs the
# failed ones, the unfinished ones only, or (none) neither; default all.
# --mem, --num-threads (written in the Accounting line), --time and --config are for the
# cluster scripts and accepted silently; any other option (old cmd.sh queue options such as
# '-l arch=*64', '-q all.q', '-pe smp 4') is ignored, as by Kaldi's run.pl, with a warning.
use strict;
use warnings;
use FindBin;
use File::Basename qw(dirname);
use File::Path qw(make_path);
use lib "$FindBin::RealBin/parallel";
use KaldiJobs qw(parse_command_line substitute_job shell_quote log_header log_footer report_failures);

$SIG{__DIE__} = sub { print STDERR $_[0]; exit 1; };

my $usage = "Usage: run.pl [options] [JOB=1:N] log-file command-line arguments...\n" .
  "e.g.: run.pl JOB=1:4 exp/log/foo.JOB.log echo JOB\n" .
  "Options: --max-jobs-run N (-tc N), --gpu G, --num-threads T, --pick all|failed|incomplete|none;\n" .
  "         --mem, --time, --config are ignored\n";
if (@ARGV < 2) { print STDERR $usage; exit 1; }

my ($max_jobs_run, $using_gpu, $num_threads, $job_pick) = (-1, 0, 1, "all");
my %cluster_only = map { $_ => 1 } qw(--mem --time --config);

my $option = sub {
  my ($switch, $argv) = @_;
  return if $switch eq "-V";  # qsub's 'pass the environment' takes no value
  my $value = shift @$argv;
  if ($switch eq "--max-jobs-run" || $switch eq "-tc") {
    die "run.pl: invalid option $switch $value\n" unless $value =~ m/^\d+$/ && $value > 0;
    $max_jobs_run = $value if $max_jobs_run <= 0 || $value < $max_jobs_run;
    return;
  }
  print STDERR "run.pl: WARNING: suspicious argument '$value' to $switch; starts with '-'\n" if $value =~ m/^--/;
  if ($switch eq "--gpu") {
    $using_gpu = $value;
  } elsif ($switch eq "--pick") {
    die "run.pl: --pick '$value': expected all, none, failed or incomplete\n"
      unless $value =~ m/^(all|none|failed|incomplete)$/;
    $job_pick = $value;
  } elsif ($switch eq "--num-threads") {
    $num_threads = $value;
  } elsif (!$cluster_only{$switch}) {
    my @ignored = ($switch, $value);
    push @ignored, shift @$argv if $switch eq "-pe" && @$argv;  # -pe smp 4
    print STDERR "run.pl: WARNING: ignoring option '@ignored' (it means something to a queue only)\n";
  }
};
my $job = parse_command_line("run.pl", \@ARGV, $option, $usage);
my ($jobname, $start, $end, $logfile, $cmd) = @$job{qw(jobname start end logfile cmd)};

sub count_gpus {
  my $n = () = `nvidia-smi -L 2>/dev/null`;
  return $n if $n > 0;
  print STDERR "run.pl: Warning: failed to detect number of GPUs from nvidia-smi, using 1\n";
  return 1;
}

my $num_jobs = $end - $start + 1;
if ($max_jobs_run == -1 && $num_jobs == 1) {
  $max_jobs_run = 1;  # nothing to cap: no need to ask nvidia-smi
} elsif ($max_jobs_run == -1) {
  if ($using_gpu) {
    $max_jobs_run = count_gpus();
  } else {
    $max_jobs_run = `nproc 2>/dev/null` || 32;
    chomp $max_jobs_run;
    # a few tasks more than CPUs: run them all at once rather than leave a short last wave
    $max_jobs_run = $num_jobs if $num_jobs > $max_jobs_run && $num_jobs < 1.4 * $max_jobs_run;
  }
}

# --pick other than all: exits 0 for a task whose log ends '# Ended (code 0)', and 1 for a failed
# one unless --pick failed; a task with no log or no Ended line runs (Kaldi's pick_or_exit).
sub pick_or_exit {
  my ($log) = @_;
  return if $job_pick eq "all";
  open(my $fh, "<", $log) or return;
  my $ended;
  while (my $line = <$fh>) { $ended = $line if $line =~ m/^# Ended \(code /; }
  close($fh);
  return unless defined $ended;
  exit(0) if $ended =~ m/^# Ended \(code 0\)/;
  exit(1) unless $job_pick eq "failed";
}

# Runs one task in this (forked) process and exits 0 or 1.
sub run_task {
  my ($jobid) = @_;
  my $this_cmd = substitute_job($cmd, $jobname, $jobid);
  my $this_log = substitute_job($logfile, $jobname, $jobid);
  pick_or_exit($this_log);
  make_path(dirname($this_log), {error => \my $ignored});
  open(my $fh, ">", $this_log) || die "run.pl: cannot write log file $this_log: $!\n";
  print $fh log_header($this_cmd);
  close($fh);
  open(STDIN, "<", "/dev/null") || die "run.pl: cannot open /dev/null: $!\n";
  my $starttime = time();
  my $rc = system("bash", "-c", "( $this_cmd) >>" . shell_quote($this_log) . " 2>&1");
  die "run.pl: cannot run bash: $!\n" if $rc == -1;
  my $elapsed = time() - $starttime;
  open($fh, ">>", $this_log) || die "run.pl: cannot append to log file $this_log: $!\n";
  print $fh log_footer($elapsed, $num_threads, $rc >> 8, $rc & 127);
  close($fh);
  exit($rc == 0 ? 0 : 1);
}

my %active;    # pid -> task id
my %status;    # task id -> exit status

sub reap_one {
  my $pid = wait();
  return if $pid == -1;
  my $id = delete $active{$pid};
  $status{$id} = $? if defined $id;
}

for (my $jobid = $start; $jobid <= $end; $jobid++) {
  reap_one() while scalar(keys %active) >= $max_jobs_run;
  my $childpid = fork();
  die "run.pl: error forking (writing to $logfile): $!\n" unless defined $childpid;
  run_task($jobid) if $childpid == 0;
  $active{$childpid} = $jobid;
}
reap_one() while scalar(keys %active) > 0;

my @failed = grep { !defined $status{$_} || $status{$_} != 0 } ($start .. $end);
exit(report_failures("run.pl", $logfile, $jobname, $start, $end, \@failed));
