"""The endpointing entry points on bad input: one line naming the option or file, exit non-zero."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CONF = ROOT / "egs/an4/ASR/conf/ci_eos.yaml"


def run(module, *args):
    return subprocess.run([sys.executable, "-m", f"icefall_ext.bin.{module}", *args], capture_output=True, text=True,
                          cwd=ROOT)


def last_line(proc):
    lines = proc.stderr.strip().splitlines()
    return lines[-1] if lines else ""


def test_bad_input_of_the_endpointing_commands_is_one_line(tmp_path):
    proc = run("score_endpoints", "--config", str(CONF), "--exp-dir", str(tmp_path), "--tests", "dev")
    assert proc.returncode != 0 and "no endpoints files" in last_line(proc) and "Traceback" not in proc.stderr
    proc = run("decode_rule_endpoints", "--config", str(CONF), "--onnx-dir", str(tmp_path), "--rule2", "0",
               "--system", "x", "--out-exp-dir", str(tmp_path), "--test-cuts", f"test={CONF}")
    assert proc.returncode != 0 and "--rule2: rule2_min_trailing_silence must be positive" in last_line(proc)
    proc = run("decode_rule_endpoints", "--config", str(CONF), "--onnx-dir", str(tmp_path), "--system", "x",
               "--out-exp-dir", str(tmp_path), "--test-cuts", f"test={CONF}")
    assert proc.returncode != 0 and "encoder.onnx: does not exist" in last_line(proc)
    proc = run("train_eos_penalty", "--config", str(CONF), "--src-exp-dir", str(tmp_path), "--bpe-model", "x",
               "--train-cuts", "a", "--dev-cuts", "b", "--late-scale", "-1", "--exp-dir", str(tmp_path / "o"))
    assert proc.returncode != 0 and "--late-scale must be >= 0, not -1.0" in last_line(proc)
