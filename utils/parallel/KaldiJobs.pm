# What run.pl, queue.pl and slurm.pl share: Kaldi's command line
#   <script> [options] [JOB=1:N] [options] <log-file> <command...>
# its JOB ranges and the JOB substitution rule, the log header and footer, the failure report,
# and, for the cluster scripts, the option-line config files, the job script each task runs and
# the loop that waits for the submitted tasks (and cancels them when interrupted).
package KaldiJobs;
use strict;
use warnings;
use Cwd qw(getcwd abs_path);
use File::Basename qw(dirname basename);
use File::Path qw(make_path);
use Exporter qw(import);

our @EXPORT_OK = qw(parse_command_line substitute_job shell_quote log_header log_footer report_failures
  run_cluster_job);

# Kaldi's rule: the job name is replaced wherever it occurs, as a plain substring, not as a
# word ('decode_JOB.log' -> 'decode_3.log', '--out=fooJOB' -> '--out=foo3').
sub job_pattern {
  my ($jobname) = @_;
  return qr/\Q$jobname\E/;
}

sub substitute_job {
  my ($text, $jobname, $task) = @_;
  return $text if !defined $jobname || $jobname eq "";
  my $re = job_pattern($jobname);
  $text =~ s/$re/$task/g;
  return $text;
}

# Parses a leading NAME=START:END (or NAME=K) off @$argv; returns (name, start, end, is_array),
# name "" when there is none. Tasks are numbered from 1, as Kaldi's (Grid Engine's) are.
sub parse_job_range {
  my ($prog, $argv) = @_;
  return ("", 1, 1, 0) unless @$argv && $argv->[0] =~ m/^([\w_][\w\d_]*)=(.*)$/;
  my ($name, $range) = ($1, $2);
  my ($start, $end, $array);
  if ($range =~ m/^(\d+):(\d+)$/) {
    ($start, $end, $array) = ($1, $2, 1);
  } elsif ($range =~ m/^(\d+)$/) {
    ($start, $end, $array) = ($1, $1, 0);
  } else {
    die "$prog: invalid job range '$argv->[0]': expected $name=START:END with whole numbers\n";
  }
  die "$prog: empty job range '$argv->[0]': the first task is after the last\n" if $start > $end;
  die "$prog: invalid job range '$argv->[0]': tasks are numbered from 1\n" if $start < 1;
  shift @$argv;
  return ($name, $start, $end, $array);
}

# Kaldi's command line: options, then an optional JOB=START:END, then options again (Kaldi's
# scripts put the range on either side of the options), the log file, the command.
# $option: sub(switch, argv) called for each leading '-' argument; it shifts its values off argv.
# Returns a hash: jobname, start, end, array, logfile, cmd (the command quoted as Kaldi does).
sub parse_command_line {
  my ($prog, $argv, $option, $usage) = @_;
  my ($jobname, $start, $end, $array) = ("", 1, 1, 0);
  for my $pass (1, 2) {
    while (@$argv >= 2 && $argv->[0] =~ m/^-/) {
      $option->(shift(@$argv), $argv);
    }
    ($jobname, $start, $end, $array) = parse_job_range($prog, $argv) if $pass == 1;
  }
  if (@$argv < 2) { print STDERR $usage; exit 1; }
  my $logfile = shift @$argv;
  if ($end > $start && $logfile !~ job_pattern($jobname)) {
    die "$prog: you are trying to run a parallel job but you are putting the output " .
      "into just one log file ($logfile); probably you forgot to put $jobname=1:N and " .
      "$jobname in the log name\n";
  }
  return {jobname => $jobname, start => $start, end => $end, array => $array,
    logfile => $logfile, cmd => quote_command(@$argv)};
}

# Quotes arguments that contain whitespace, as Kaldi does; the rest reach the shell as they are.
sub quote_command {
  my $cmd = "";
  foreach my $x (@_) {
    if ($x =~ m/^\S+$/) { $cmd .= $x . " "; }
    elsif ($x =~ m:\":) { $cmd .= "'" . $x . "' "; }
    else { $cmd .= "\"" . $x . "\" "; }
  }
  return $cmd;
}

sub now {
  my $date = `date`;
  chomp $date;
  return $date;
}

# Kaldi's first lines of a task's log: the command, the start time, then any extra lines.
sub log_header {
  my ($cmd, @extra) = @_;
  return join("", map { "# $_\n" } ($cmd, "Started at " . now(), @extra)) . "#\n";
}

# Kaldi's last lines of a task's log; a task killed by a signal reads 'code N; signal S'.
sub log_footer {
  my ($elapsed, $threads, $code, $signal) = @_;
  my $status = $signal ? "code $code; signal $signal" : "code $code";
  return "# Accounting: time=$elapsed threads=$threads\n" .
    "# Ended ($status) at " . now() . ", elapsed time $elapsed seconds\n";
}

# Prints Kaldi's failure line and returns 1, or returns 0 when no task failed.
# $failed: ref to the list of failed task ids.
sub report_failures {
  my ($prog, $logfile, $jobname, $start, $end, $failed) = @_;
  my $num_failed = scalar(@$failed);
  return 0 if $num_failed == 0;
  my $njobs = $end - $start + 1;
  if ($njobs == 1) {
    my $log = substitute_job($logfile, $jobname, $start);
    print STDERR "$prog: job failed, log is in $log\n";
    print STDERR "$prog: probably you forgot to put JOB=1:\$nj in your script.\n" if $log =~ m/JOB/;
  } else {
    my $pattern = substitute_job($logfile, $jobname, "*");
    my @logs = map { substitute_job($logfile, $jobname, $_) } @$failed;
    print STDERR "$prog: $num_failed / $njobs failed, log is in $pattern (failed: @logs)\n";
  }
  return 1;
}

# Kaldi's config format: 'command ...', 'option NAME=VALUE args', 'option NAME=* args with $0',
# 'default NAME=VALUE'; '#' starts a comment.
sub read_config {
  my ($prog, $file) = @_;
  my %config = (command => undef, exact => {}, any => {}, default => {});
  open(my $fh, "<", $file) or die "$prog: cannot read config file $file: $!\n";
  while (my $line = <$fh>) {
    my $n = $.;
    $line =~ s/#.*//;
    $line =~ s/^\s+|\s+$//g;
    next if $line eq "";
    if ($line =~ m/^command\s+(.+)$/) {
      $config{command} = $1;
    } elsif ($line =~ m/^option\s+(\w+)=\*\s*(.*)$/) {
      $config{any}{$1} = $2;
    } elsif ($line =~ m/^option\s+(\w+)=(\S+)\s*(.*)$/) {
      $config{exact}{"$1=$2"} = $3;
    } elsif ($line =~ m/^default\s+(\w+)=(\S+)$/) {
      $config{default}{$1} = $2;
    } else {
      die "$prog: $file line $n: cannot parse '$line' (expected 'command ...', " .
        "'option NAME=VALUE ...', 'option NAME=* ...' or 'default NAME=VALUE')\n";
    }
  }
  close($fh);
  die "$prog: $file has no 'command' line\n" unless defined $config{command};
  return \%config;
}

# The submit options for the command-line options given (e.g. mem => '4G'), by the config's rules.
sub config_options {
  my ($prog, $config, $file, $given) = @_;
  my %values = (%{$config->{default}}, %$given);
  my $opts = "";
  foreach my $name (sort keys %values) {
    my $value = $values{$name};
    if (exists $config->{exact}{"$name=$value"}) {
      $opts .= " " . $config->{exact}{"$name=$value"};
    } elsif (exists $config->{any}{$name}) {
      (my $o = $config->{any}{$name}) =~ s/\$0/$value/g;
      $opts .= " " . $o;
    } else {
      (my $flag = $name) =~ s/_/-/g;
      die "$prog: option --$flag not described in $file (or value '$value' not allowed)\n";
    }
  }
  $opts =~ s/\s+/ /g;
  $opts =~ s/^\s+|\s+$//g;
  return $opts;
}

sub shell_quote {
  my ($s) = @_;
  $s =~ s/'/'\\''/g;
  return "'$s'";
}

# Where this module lives: the job script calls it for the JOB rule and the log lines.
my $lib_dir = abs_path(dirname(__FILE__));

# The bash script each task runs: Kaldi's log header, the command (stdin from /dev/null, as
# run.pl's), the Accounting and Ended footer, then the task's exit code into its sync file
# (which the waiting script reads). JOB substitution and log lines come from this module.
sub job_script {
  my (%a) = @_;
  my ($cwd, $logfile, $sync, $template, $jobname, $lib) =
    map { shell_quote($_) } ($a{cwd}, $a{logfile}, $a{sync_prefix}, $a{cmd}, $a{jobname}, $lib_dir);
  my $task = $a{array} ? "\${$a{task_var}}" : $a{start};
  return <<"SCRIPT";
#!/usr/bin/env bash
# Written by $a{prog}; one task of: $a{cmd}
cd $cwd
[ -f ./path.sh ] && . ./path.sh
task=$task
kaldi_jobs() {  # calls KaldiJobs::\$1 on the other arguments
  perl -I $lib -MKaldiJobs -e 'my \$f = shift; print KaldiJobs->can(\$f)->(\@ARGV)' "\$@"
}
cmd=\$(kaldi_jobs substitute_job $template $jobname "\$task")
log=\$(kaldi_jobs substitute_job $logfile $jobname "\$task")
mkdir -p "\$(dirname "\$log")"
kaldi_jobs log_header "\$cmd" "Running on \$(hostname)" > "\$log"
start_time=\$(date +%s)
( eval "\$cmd" ) < /dev/null >> "\$log" 2>&1
ret=\$?
end_time=\$(date +%s)
kaldi_jobs log_footer \$((end_time - start_time)) $a{num_threads} "\$ret" >> "\$log"
echo \$ret > $sync.\$task.tmp && mv $sync.\$task.tmp $sync.\$task
exit \$ret
SCRIPT
}

# Submits the job through a backend and waits for every task. A backend is a hash of:
#   name        the script's name (slurm.pl)
#   config      default config file when there is no conf/<name>.conf in the working dir
#   task_var    environment variable that holds the task id inside the job
#   submit      sub(command, opts, script, qlog-dir, base, start, end, is_array, max_jobs_run)
#               -> full submit command line (a string for the shell)
#   job_id      sub(submit output) -> job id or undef
#   queued      sub(job id) -> ref to hash {task => [state, reason]} of tasks still in the
#               queue, or undef when the queue cannot be read now
#   never_runs  sub(state, reason) -> a message when a queued task can never start
#   cancel      sub(job id) -> cancel command line
sub run_cluster_job {
  my ($backend, @argv) = @_;
  my $prog = $backend->{name};
  $SIG{__DIE__} = sub { print STDERR $_[0]; exit 1; };
  my $usage = "Usage: $prog [options] [JOB=1:N] log-file command-line arguments...\n" .
    "e.g.: $prog --mem 2G JOB=1:4 exp/log/foo.JOB.log echo JOB\n" .
    "Options: --config F (default conf/$prog.conf, else $backend->{config}), --max-jobs-run N (-tc N),\n" .
    "         --num-threads T, --mem M, --gpu G, --time T and any other option the config describes\n";
  if (@argv < 2) { print STDERR $usage; exit 1; }

  (my $conf_name = $prog) =~ s/\.pl$/.conf/;
  my $config_file = -f "conf/$conf_name" ? "conf/$conf_name" : $backend->{config};
  my ($max_jobs_run, $num_threads, %given) = (0, 1);
  my $option = sub {
    my ($switch, $argv) = @_;
    my $value = shift @$argv;
    if ($switch eq "--config") {
      $config_file = $value;
    } elsif ($switch eq "--max-jobs-run" || $switch eq "-tc") {
      die "$prog: invalid value '$value' for $switch\n" unless $value =~ m/^\d+$/ && $value > 0;
      $max_jobs_run = $value;
    } elsif ($switch =~ m/^--([\w-]+)$/) {
      (my $name = $1) =~ s/-/_/g;
      $given{$name} = $value;
      $num_threads = $value if $name eq "num_threads";
    } else {
      die "$prog: invalid option $switch\n";
    }
  };
  my $job = parse_command_line($prog, \@argv, $option, $usage);
  my ($jobname, $start, $end, $array, $logfile, $cmd) = @$job{qw(jobname start end array logfile cmd)};
  my $config = read_config($prog, $config_file);
  my $opts = config_options($prog, $config, $config_file, \%given);

  my $logdir = dirname($logfile);
  my $qdir = "$logdir/q";
  my $base = basename($logfile);
  if ($jobname ne "") { my $re = job_pattern($jobname); $base =~ s/\.?$re//g; }
  $base =~ s/\.log$//;
  make_path("$qdir/sync");
  my $sync_prefix = "$qdir/sync/done.$$";
  unlink glob("$sync_prefix.*");
  my $script = "$qdir/$base.sh";
  open(my $fh, ">", "$script.tmp") or die "$prog: cannot write $script: $!\n";
  print $fh job_script(prog => $prog, cwd => getcwd(), task_var => $backend->{task_var}, start => $start,
    array => $array, jobname => $jobname, cmd => $cmd, logfile => $logfile, num_threads => $num_threads,
    sync_prefix => $sync_prefix);
  close($fh);
  rename("$script.tmp", $script) or die "$prog: cannot write $script: $!\n";
  chmod(0755, $script);

  my $submit = $backend->{submit}->($config->{command}, $opts, $script, $qdir, $base, $start, $end, $array,
    $max_jobs_run);
  my $out = `$submit </dev/null 2>&1`;
  my $job_id = $? == 0 ? $backend->{job_id}->($out) : undef;
  if (!defined $job_id) {
    my @lines = grep { m/\S/ } split(/\n/, $out);
    my @errors = grep { m/error/i } @lines;
    my $why = @errors ? $errors[-1] : (@lines ? $lines[-1] : "exit status " . ($? >> 8));
    die "$prog: submitting the job for $logfile failed: $why (command: $submit)\n";
  }

  my $cancel = sub { system($backend->{cancel}->($job_id) . " >/dev/null 2>&1"); };
  foreach my $signal (qw(INT TERM HUP)) {
    $SIG{$signal} = sub {
      $cancel->();
      unlink glob("$sync_prefix.*");
      print STDERR "$prog: interrupted by SIG$signal; cancelled job $job_id ($logfile)\n";
      exit 1;
    };
  }

  my %pending = map { $_ => 1 } ($start .. $end);
  my %code;
  my ($wait, $last_check) = (0.2, 0);
  while (%pending) {
    foreach my $task (keys %pending) {
      next unless -f "$sync_prefix.$task";
      $code{$task} = read_code("$sync_prefix.$task");
      delete $pending{$task};
    }
    last unless %pending;
    if (time() - $last_check >= 3) {
      $last_check = time();
      my $queued = $backend->{queued}->($job_id);
      if (defined $queued) {
        foreach my $task (keys %pending) {
          my $entry = $queued->{$task} // $queued->{"*"};
          if (defined $entry) {
            my $why = $backend->{never_runs}->(@$entry);
            if (defined $why) {
              $cancel->();
              die "$prog: job $job_id for $logfile can never start: $why; cancelled it\n";
            }
          } else {
            select(undef, undef, undef, 1.0);  # the sync file may lag the queue by a moment
            next if -f "$sync_prefix.$task";
            $code{$task} = "lost";
            print STDERR "$prog: task $task of job $job_id left the queue without finishing " .
              "(killed, or out of time or memory?); see $qdir/\n";
            delete $pending{$task};
          }
        }
      }
    }
    select(undef, undef, undef, $wait);
    $wait = $wait < 2 ? $wait * 1.5 : 2;
  }
  unlink glob("$sync_prefix.*");
  my @failed = grep { $code{$_} ne "0" } ($start .. $end);
  exit(report_failures($prog, $logfile, $jobname, $start, $end, \@failed));
}

sub read_code {
  my ($file) = @_;
  open(my $fh, "<", $file) or return "lost";
  my $code = <$fh> // "lost";
  close($fh);
  chomp $code;
  return $code;
}

1;
