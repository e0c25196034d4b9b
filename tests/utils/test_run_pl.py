"""utils/run.pl behaves as Kaldi's egs/wsj/s5/utils/parallel/run.pl where Kaldi's scripts rely on it."""
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_PL = str(ROOT / "utils" / "run.pl")
ENDED = re.compile(r"^# Ended \(code (\d+)\) at .+, elapsed time \d+ seconds$")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)


def test_a_script_calling_run_pl_as_kaldis_scoring_scripts_do(tmp_path):
    """score_kaldi_wer.sh-style calls: LMWT=7:9, wer_LMWT_$wip, decode_JOB.log, bash syntax, while read."""
    proc = run([str(ROOT / "tests" / "utils" / "kaldi_style_scoring.sh"), RUN_PL, str(tmp_path)])
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "hyp_2.txt").read_text() == "--out=hyp2\n"
    for wip in ("0.0", "0.5"):
        for lmwt in (7, 8, 9):
            assert (tmp_path / f"wer_{lmwt}_{wip}").read_text() == f"{lmwt} {lmwt ** 2} 1 2 3\n"
    assert not list(tmp_path.glob("wer_1_*")) and not list(tmp_path.glob("**/*LMWT*"))
    # each job read an empty stdin, so the while-read loop ran once per line
    assert [(tmp_path / f"stdin_lines_{n}").read_text() for n in (7, 8, 9)] == ["0\n"] * 3


@pytest.mark.parametrize(
    "command, expected",
    [
        (["echo", "$((2**3))"], "8"),
        (["echo", "{1..3}"], "1 2 3"),
        (["[[", "a", "==", "a", "]]", "&&", "echo", "yes"], "yes"),
        (["source", "/dev/null", "&&", "echo", "sourced"], "sourced"),
        (["set", "-o", "pipefail", ";", "false", "|", "true", ";", "echo", "$?"], "1"),
    ],
)
def test_jobs_run_under_bash(tmp_path, command, expected):
    """Kaldi's run.pl pipes the command into bash; /bin/sh (dash) has none of these."""
    proc = run([RUN_PL, str(tmp_path / "x.log"), *command])
    assert proc.returncode == 0, proc.stderr
    assert expected in (tmp_path / "x.log").read_text().splitlines()


def test_a_while_read_loop_around_run_pl_runs_every_line(tmp_path):
    """A job reading stdin (cat) must not take the loop's lines: stdin is empty, as in Kaldi's run.pl."""
    loop = f'printf "a\\nb\\nc\\n" | while read -r x; do {RUN_PL} {tmp_path}/$x.log cat; done'
    assert run(["bash", "-c", loop]).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.log", "b.log", "c.log"]


def test_a_range_that_starts_above_one(tmp_path):
    """LMWT=7:9 runs tasks 7, 8, 9 only (score_kaldi_wer.sh); the failure line names the pattern."""
    proc = run([RUN_PL, "LMWT=7:9", str(tmp_path / "score.LMWT.log"), "test", "LMWT", "-ne", "8"])
    assert proc.returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["score.7.log", "score.8.log", "score.9.log"]
    assert f"run.pl: 1 / 3 failed, log is in {tmp_path}/score.*.log" in proc.stderr
    proc = run([RUN_PL, "JOB=0:2", str(tmp_path / "a.JOB.log"), "true"])
    assert proc.returncode == 1 and "tasks are numbered from 1" in proc.stderr  # Kaldi: strictly positive


def test_job_is_replaced_wherever_it_occurs(tmp_path):
    """Kaldi's run.pl does s/JOB/$jobid/g: next to '_', a letter or a digit alike."""
    proc = run([RUN_PL, "JOB=1:2", str(tmp_path / "log" / "decode_JOB.log"), "echo", "--out=fooJOB", "JOBS"])
    assert proc.returncode == 0, proc.stderr
    for task in (1, 2):
        assert f"--out=foo{task} {task}S" in (tmp_path / "log" / f"decode_{task}.log").read_text().splitlines()


def max_running(tmp_path, runner_args, tasks, env=None):
    """Runs `tasks` 2-second tasks through run.pl and returns how many ran at once at most."""
    live = tmp_path / "live"
    live.mkdir()
    task = f"touch {live}/JOB ; ls {live} | wc -l > {tmp_path}/seen.JOB ; sleep 2 ; rm {live}/JOB".split()
    proc = run([RUN_PL, *runner_args, f"JOB=1:{tasks}", str(tmp_path / "log" / "t.JOB.log"), *task], env=env)
    assert proc.returncode == 0, proc.stderr
    return max(int((tmp_path / f"seen.{t}").read_text()) for t in range(1, tasks + 1)), proc.stderr


def fake_nvidia_smi(tmp_path, gpus):
    """An nvidia-smi whose -L lists `gpus` GPUs, first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    smi = bin_dir / "nvidia-smi"
    lines = "".join(f"echo 'GPU {i}: Fake (UUID: GPU-{i})'\n" for i in range(gpus))
    smi.write_text("#!/bin/sh\n" + (lines or "exit 9\n"))
    smi.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def test_gpu_runs_as_many_tasks_at_once_as_there_are_gpus(tmp_path):
    """Kaldi: with --gpu and no --max-jobs-run, the cap is the number of GPUs `nvidia-smi -L` lists."""
    most, _ = max_running(tmp_path, ["--gpu", "1"], 3, env=fake_nvidia_smi(tmp_path, 3))
    assert most == 3


def test_gpu_without_nvidia_smi_runs_one_task_at_a_time(tmp_path):
    most, stderr = max_running(tmp_path, ["--gpu", "1"], 2, env=fake_nvidia_smi(tmp_path, 0))
    assert most == 1 and "failed to detect number of GPUs from nvidia-smi, using 1" in stderr


def test_max_jobs_run_wins_over_gpu_and_the_smallest_wins(tmp_path):
    env = fake_nvidia_smi(tmp_path, 3)
    most, _ = max_running(tmp_path, ["-tc", "1", "--gpu", "1", "--max-jobs-run", "2"], 2, env=env)
    assert most == 1


def test_queue_options_are_ignored_with_a_warning(tmp_path):
    """Old cmd.sh files pass qsub options; Kaldi's run.pl ignores them (-pe takes two values, -V none)."""
    args = ["-l", "arch=*64", "-q", "all.q", "-pe", "smp", "4", "-V", "--mem", "2G", "--num-threads", "3",
            "JOB=1:2", "--time", "1:00:00", str(tmp_path / "x.JOB.log"), "echo", "ok"]
    proc = run([RUN_PL, *args])
    assert proc.returncode == 0, proc.stderr
    warnings = proc.stderr.splitlines()
    assert len(warnings) == 3 and all(w.startswith("run.pl: WARNING: ignoring option '") for w in warnings)
    assert "'-l arch=*64'" in warnings[0] and "'-pe smp 4'" in warnings[2]
    log = (tmp_path / "x.2.log").read_text().splitlines()
    assert "ok" in log and log[-2] == "# Accounting: time=0 threads=3"


def test_log_header_and_footer(tmp_path):
    proc = run([RUN_PL, str(tmp_path / "x.log"), "echo", "hi", ";", "exit", "3"])
    assert proc.returncode == 1  # Kaldi's run.pl exits 1, whatever the task's code
    assert proc.stderr == f"run.pl: job failed, log is in {tmp_path}/x.log\n"
    log = (tmp_path / "x.log").read_text().splitlines()
    assert log[0] == "# echo hi ; exit 3 " and log[1].startswith("# Started at ") and log[2] == "#"
    assert log[3] == "hi" and log[4].startswith("# Accounting: time=")
    assert ENDED.match(log[5]) and ENDED.match(log[5]).group(1) == "3"


def test_one_numbered_task_failing_names_its_log(tmp_path):
    proc = run([RUN_PL, "JOB=5", str(tmp_path / "x.JOB.log"), "false"])
    assert proc.returncode == 1 and proc.stderr == f"run.pl: job failed, log is in {tmp_path}/x.5.log\n"
    proc = run([RUN_PL, str(tmp_path / "y.JOB.log"), "false"])  # Kaldi's hint when JOB=1:N is missing
    assert proc.returncode == 1 and "probably you forgot to put JOB=1:$nj in your script." in proc.stderr


def test_pick_reruns_only_what_kaldis_pick_reruns(tmp_path):
    """Kaldi's --pick: a task whose log ends '# Ended (code 0)' is skipped; failed ones run again with
    --pick failed and count as failed (not run) with --pick incomplete; a task with no log runs."""
    flag = tmp_path / "fail_2"
    flag.touch()
    log = str(tmp_path / "t.JOB.log")
    task = ["echo", "ran", "JOB", ">>", f"{tmp_path}/ran", ";", "test", "!", "-e", f"{tmp_path}/fail_JOB"]
    assert run([RUN_PL, "-tc", "1", "JOB=1:2", log, *task]).returncode == 1  # one at a time: a known order
    flag.unlink()
    incomplete = run([RUN_PL, "--pick", "incomplete", "JOB=1:3", log, *task])
    assert incomplete.returncode == 1 and "1 / 3 failed" in incomplete.stderr  # task 2 failed before
    failed = run([RUN_PL, "--pick", "failed", "JOB=1:3", log, *task])
    assert failed.returncode == 0
    assert (tmp_path / "ran").read_text().split("\n") == ["ran 1", "ran 2", "ran 3", "ran 2", ""]
    bad = run([RUN_PL, "--pick", "some", log, "true"])
    assert bad.returncode == 1 and "--pick 'some': expected all, none, failed or incomplete" in bad.stderr
