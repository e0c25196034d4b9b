"""utils/run.pl and utils/parse_options.sh behave as Kaldi's do."""
import os
import signal
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_PL = str(ROOT / "utils" / "run.pl")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def test_array_job_logs_and_failure_report(tmp_path):
    log = tmp_path / "log" / "job.JOB.log"
    proc = run([RUN_PL, "JOB=1:3", str(log), "bash", "-c", "echo task JOB; exit $((JOB == 2))"])
    assert proc.returncode == 1
    assert "1 / 3 failed" in proc.stderr and "job.2.log" in proc.stderr
    text = (tmp_path / "log" / "job.1.log").read_text().splitlines()
    assert text[0].startswith("# bash -c") and text[1].startswith("# Started at")
    assert "task 1" in text and text[-2].startswith("# Accounting: time=") and text[-1].startswith("# Ended (code 0)")
    assert (tmp_path / "log" / "job.2.log").read_text().splitlines()[-1].startswith("# Ended (code 1)")


def test_single_job_and_max_jobs_run(tmp_path):
    proc = run([RUN_PL, "--max-jobs-run", "1", "JOB=1:2", str(tmp_path / "x.JOB.log"), "echo", "JOB"])
    assert proc.returncode == 0
    assert "2" in (tmp_path / "x.2.log").read_text().splitlines()
    assert run([RUN_PL, str(tmp_path / "one.log"), "true"]).returncode == 0


def test_bad_ranges_and_log_without_job(tmp_path):
    for rng, msg in [("JOB=3:1", "empty job range"), ("JOB=1:x", "invalid job range")]:
        proc = run([RUN_PL, rng, str(tmp_path / "a.JOB.log"), "true"])
        assert proc.returncode == 1 and msg in proc.stderr
    proc = run([RUN_PL, "JOB=1:2", str(tmp_path / "a.log"), "true"])
    assert proc.returncode == 1 and "forgot to put JOB=1:N" in proc.stderr


SCRIPT = """
set -euo pipefail
stage=0
use_gpu=false
learning_rate=0.1
. {root}/utils/parse_options.sh
echo "$stage $use_gpu $learning_rate $#"
"""


def test_parse_options(tmp_path):
    script = tmp_path / "s.sh"
    script.write_text(SCRIPT.format(root=ROOT))
    ok = run(["bash", str(script), "--stage", "3", "--use-gpu", "true", "--learning-rate", "0.5", "pos1"])
    assert ok.stdout.strip() == "3 true 0.5 1"
    assert "invalid option --nope" in run(["bash", str(script), "--nope", "1"]).stderr
    assert "expected \"true\" or \"false\"" in run(["bash", str(script), "--use-gpu", "yes"]).stderr
    conf = tmp_path / "c.conf"
    conf.write_text("stage=7\nlearning_rate=0.9\n")
    out = run(["bash", str(script), "--config", str(conf), "--stage", "8"]).stdout.strip()
    assert out == "8 false 0.9 0"


RUN_ONCE = str(ROOT / "utils" / "run_once.sh")


def test_run_once_skips_a_done_stage_and_redoes_a_changed_one(tmp_path):
    marker, inp = tmp_path / "m" / ".done", tmp_path / "in.txt"
    inp.write_text("a\n")
    # the wrapped command's own --config must reach it (Kaldi's parse_options.sh would source it)
    stage = ["bash", "-c", f"cat {inp} >> {tmp_path / 'out.txt'}", str(inp), "--config", "conf/tiny.yaml"]
    assert run([RUN_ONCE, str(marker), *stage]).returncode == 0
    again = run([RUN_ONCE, str(marker), *stage])
    assert again.returncode == 0 and "done already, skipping" in again.stdout
    assert (tmp_path / "out.txt").read_text() == "a\n"
    inp.write_text("b\n")  # a changed input file re-runs the stage
    redo = run([RUN_ONCE, str(marker), *stage])
    assert redo.returncode == 0 and "changed, redoing" in redo.stdout
    assert (tmp_path / "out.txt").read_text() == "a\nb\n"
    assert "command: bash -c" in marker.read_text() and "input: " in marker.read_text()
    inp.write_text("c\n")
    stop = run([RUN_ONCE, "--on-change", "stop", str(marker), *stage])
    assert stop.returncode == 1 and len(stop.stderr.strip().splitlines()) == 1
    assert f"input file {inp} changed" in stop.stderr and f"remove {marker.parent}" in stop.stderr


def test_run_once_redoes_a_done_stage_whose_output_is_missing(tmp_path):
    """A stage that now writes one more file (export's ctc.onnx) is redone over an older marker."""
    marker, out, extra = tmp_path / "e" / ".done", tmp_path / "a.onnx", tmp_path / "ctc.onnx"
    stage = ["bash", "-c", f"echo x >> {out}; touch {extra}"]
    assert run([RUN_ONCE, "--outputs", f"{out} {extra}", str(marker), *stage]).returncode == 0
    assert "done already" in run([RUN_ONCE, "--outputs", f"{out} {extra}", str(marker), *stage]).stdout
    extra.unlink()
    redo = run([RUN_ONCE, "--outputs", f"{out} {extra}", str(marker), *stage])
    assert redo.returncode == 0 and f"its output {extra} is missing, redoing" in redo.stdout
    assert out.read_text() == "x\nx\n" and extra.exists()


def test_run_once_writes_no_marker_for_a_failed_stage(tmp_path):
    marker = tmp_path / ".done"
    assert run([RUN_ONCE, str(marker), "false"]).returncode != 0
    assert not marker.exists() and not list(tmp_path.iterdir())


def test_a_yaml_config_given_to_kaldis_config_option_is_refused(tmp_path):
    script = tmp_path / "s.sh"
    script.write_text(f"stage=0\n. {ROOT}/utils/parse_options.sh\necho stage=$stage\n")
    (tmp_path / "c.yaml").write_text("train: {num_epochs: 2}\n")
    (tmp_path / "c.conf").write_text("stage=3\n")
    proc = run(["bash", str(script), "--config", str(tmp_path / "c.yaml")])
    assert proc.returncode == 1 and "is YAML: give it with --conf" in proc.stderr
    assert run(["bash", str(script), "--config", str(tmp_path / "c.conf")]).stdout.strip() == "stage=3"


def marker_env():
    """run_once.sh reads config sections with the toolkit's python (recipes put it on PATH in path.sh)."""
    import sys
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")


def test_run_once_records_options_and_only_the_config_section_it_reads(tmp_path):
    """Today the marker holds the command as one string and the whole config's sha1: another
    train: section redid the preparation, and the stop line quoted two marker lines."""
    conf, out, marker = tmp_path / "c.yaml", tmp_path / "out.txt", tmp_path / "data" / ".done"
    conf.write_text("corpus: {num_utterances: 8}\ntrain: {num_epochs: 2}\n")

    def stage(speakers, *extra):
        cmd = [RUN_ONCE, "--inputs", f"{conf}:corpus", "--ignore", "--nj", *extra, str(marker),
               "bash", "-c", f"echo ran >> {out}", "prep", "--config", str(conf), "--test-speakers", speakers,
               "--nj", "2"]
        return run(cmd, env=marker_env())

    assert stage("nicolas").returncode == 0
    assert "config: corpus {\"num_utterances\":8}" in marker.read_text()
    assert "option: --test-speakers nicolas" in marker.read_text() and "--nj" not in marker.read_text()
    conf.write_text("corpus: {num_utterances: 8}\ntrain: {num_epochs: 5}\n")  # a section it does not read
    assert "done already" in stage("nicolas").stdout
    stop = stage("yweweler", "--on-change", "stop")
    assert stop.returncode == 1 and len(stop.stderr.strip().splitlines()) == 1
    assert "option --test-speakers was 'nicolas', now 'yweweler'" in stop.stderr
    assert f"remove {marker.parent}" in stop.stderr
    conf.write_text("corpus: {num_utterances: 9}\n")
    stop = stage("nicolas", "--on-change", "stop")
    assert stop.returncode == 1 and "config section 'corpus' changed" in stop.stderr
    redo = stage("nicolas")
    assert redo.returncode == 0 and "config section 'corpus' changed, redoing" in redo.stdout
    assert out.read_text() == "ran\nran\n"


LOCKED = """
set -euo pipefail
exp_dir=$1
. {root}/utils/exp_lock.sh "$exp_dir"
echo "locked $$"
sleep "$2"
"""


def test_exp_lock_refuses_a_second_run_naming_the_first_pid(tmp_path):
    """Today two run.sh into one exp dir interleave; one failed with 'cut manifest does not exist'."""
    script, exp = tmp_path / "run.sh", tmp_path / "exp"
    script.write_text(LOCKED.format(root=ROOT))
    first = subprocess.Popen(["bash", str(script), str(exp), "30"], stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        assert first.stdout.readline().startswith("locked")
        second = run(["bash", str(script), str(exp), "0"])
        assert second.returncode == 1 and len(second.stderr.strip().splitlines()) == 1
        assert f"{exp} is in use by another run (PID {first.pid}" in second.stderr
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the run and its sleep, which holds the lock too
        first.wait()
    # killed with -9: the kernel released the lock; the PID left in the file is taken over with a warning
    third = run(["bash", str(script), str(exp), "0"])
    assert third.returncode == 0 and f"taking over the stale lock {exp}/.run.lock of PID {first.pid}" in third.stderr
    assert (exp / ".run.lock").read_text() == ""  # released on exit
