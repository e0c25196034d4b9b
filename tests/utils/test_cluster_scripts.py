"""utils/slurm.pl and utils/queue.pl against a real local Slurm and Grid Engine."""
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def submit(script_path: str, args, cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([script_path, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_array_job_reports_the_failed_task(cluster, tmp_path):
    command = ["echo", "task", "JOB", "&&", "test", "JOB", "-ne", "3"]
    proc = submit(cluster.path, ["JOB=1:4", "exp/log/task.JOB.log", *command], tmp_path)
    assert proc.returncode == 1
    assert f"{cluster.script}: 1 / 4 failed, log is in exp/log/task.*.log (failed: exp/log/task.3.log)" in proc.stderr
    for task in range(1, 5):
        log = (tmp_path / f"exp/log/task.{task}.log").read_text().splitlines()
        assert log[0].rstrip() == f"# echo task {task} && test {task} -ne 3"
        assert f"task {task}" in log
        assert log[-2].startswith("# Accounting: time=") and log[-2].endswith("threads=1")
        assert log[-1].startswith(f"# Ended (code {1 if task == 3 else 0}) at ")


def test_single_job_with_threads_and_memory(cluster, tmp_path):
    proc = submit(cluster.path, ["--num-threads", "2", "--mem", "1G", "exp/log/one.log", "echo", "hello"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    log = (tmp_path / "exp/log/one.log").read_text()
    assert "\nhello\n" in log and "threads=2" in log and "# Ended (code 0)" in log


@pytest.mark.parametrize("request_args", [["--mem", "100000G"], ["--num-threads", "512"]])
def test_more_than_the_node_has_is_a_clear_error(cluster, tmp_path, request_args):
    start = time.time()
    proc = submit(cluster.path, [*request_args, "exp/log/big.log", "echo", "never"], tmp_path, timeout=60)
    assert proc.returncode == 1 and time.time() - start < 30
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{cluster.script}: ") and "exp/log/big.log" in lines[0]
    assert "big" not in cluster.queued_job_names()
    assert not (tmp_path / "exp/log/big.log").exists()


def test_interrupt_cancels_the_submitted_jobs(cluster, tmp_path):
    name = f"sleeper{cluster.script[0]}"
    proc = subprocess.Popen([cluster.path, "JOB=1:2", f"exp/log/{name}.JOB.log", "sleep", "97.5"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while name not in cluster.queued_job_names() and time.time() < deadline:
        time.sleep(0.3)
    assert name in cluster.queued_job_names()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "interrupted by SIGINT; cancelled job" in err
    deadline = time.time() + 30
    while name in cluster.queued_job_names() and time.time() < deadline:
        time.sleep(0.5)
    assert name not in cluster.queued_job_names()
    deadline = time.time() + 30  # the scheduler lists a job as gone before its node has reaped the processes
    while running("sleep 97.5") and time.time() < deadline:
        time.sleep(0.5)
    assert not running("sleep 97.5")


def running(command: str) -> list:
    return subprocess.run(["pgrep", "-f", command], capture_output=True, text=True).stdout.split()


@pytest.mark.parametrize("script", ["slurm.pl", "queue.pl"])
@pytest.mark.parametrize(
    "args, message",
    [
        (["--config", "CONF", "x.log", "true"], "CONF line 3: cannot parse 'bogus line' (expected"),
        (["--frobnicate", "3", "x.log", "true"], "option --frobnicate not described in"),
        (["JOB=1:0", "x.JOB.log", "true"], "empty job range 'JOB=1:0'"),
        (["JOB=1:b", "x.JOB.log", "true"], "invalid job range 'JOB=1:b'"),
        (["JOB=1:4", "x.log", "true"], "probably you forgot to put JOB=1:N and JOB in the log name"),
    ],
)
def test_bad_input_is_one_line_error_without_a_cluster(script, args, message, tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("# a config\ncommand sbatch\nbogus line\n")
    args = [str(conf) if a == "CONF" else a for a in args]
    message = message.replace("CONF", str(conf))
    proc = submit(str(ROOT / "utils" / script), args, tmp_path, timeout=30)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"{script}: ") and message in proc.stderr
    assert not (tmp_path / "q").exists()


FAKE_SUBMIT = """#!/usr/bin/env bash
# Stands in for sbatch/qsub: runs each task of the array here, then prints the submit line.
range=1-1 var=
while [ $# -gt 1 ]; do
  case $1 in
    --array=*) range=${1#--array=}; range=${range%%%*}; var=SLURM_ARRAY_TASK_ID ;;
    -t) range=${2/:/-}; var=SGE_TASK_ID; shift ;;
  esac
  shift
done
for t in $(seq "${range%-*}" "${range#*-}"); do env ${var:+$var=$t} bash "$1" >/dev/null 2>&1; done
echo "Submitted batch job 42"
echo "Your job-array 42.1-1:1 (\\"x\\") has been submitted"
"""


@pytest.mark.parametrize("script", ["slurm.pl", "queue.pl"])
def test_cluster_scripts_share_run_pls_rules(script, tmp_path):
    """Without a cluster (a fake sbatch/qsub runs the tasks here): LMWT=7:9, JOB replaced wherever it
    occurs, bash in the job, stdin from /dev/null, Kaldi's log footer and failure line."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("sbatch", "qsub"):
        (bin_dir / name).write_text(FAKE_SUBMIT)
        (bin_dir / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    command = ["echo", "--out=fooLMWT", "$((2**3))", "{1..2}", ";", "wc", "-l", ";", "test", "LMWT", "-ne", "8"]
    proc = subprocess.run([str(ROOT / "utils" / script), "LMWT=7:9", "exp/log/score_LMWT.log", *command],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr == (f"{script}: 1 / 3 failed, log is in exp/log/score_*.log "
                           "(failed: exp/log/score_8.log)\n")
    assert sorted(p.name for p in (tmp_path / "exp/log").glob("*.log")) == [f"score_{n}.log" for n in (7, 8, 9)]
    for task in (7, 8, 9):
        log = (tmp_path / f"exp/log/score_{task}.log").read_text().splitlines()
        assert log[0] == f"# echo --out=foo{task} $((2**3)) {{1..2}} ; wc -l ; test {task} -ne 8 "
        assert log[1].startswith("# Started at ") and log[2].startswith("# Running on ") and log[3] == "#"
        assert log[4:6] == [f"--out=foo{task} 8 1 2", "0"]
        ended = re.match(r"^# Ended \(code (\d+)\) at .+, elapsed time \d+ seconds$", log[-1])
        assert ended and ended.group(1) == ("1" if task == 8 else "0")
