"""Running a recipe's run.sh as a user would, with its outputs under a temporary folder."""
import os
import subprocess
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[2]
FSDD = "egs/fsdd/ASR"


def run_recipe(recipe: str, args: List[str], timeout: int = 1200) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="2")
    return subprocess.run(
        ["bash", str(ROOT / recipe / "run.sh"), *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def assert_ok(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, f"exit {proc.returncode}\n--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"


def error_lines(proc: subprocess.CompletedProcess) -> List[str]:
    return [line for line in proc.stderr.splitlines() if "error" in line.lower()]
