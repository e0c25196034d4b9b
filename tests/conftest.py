"""Shared fixtures: the repository root, the embedded FSDD subset, and the local clusters."""
import os
import subprocess
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def fsdd_subset() -> Path:
    return ROOT / "local" / "fsdd_subset" / "recordings"


def _output(cmd: str) -> str:
    proc = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else ""


class LocalCluster:
    """The one-host cluster that tools/extras/install_slurm.sh or install_gridengine.sh starts,
    seen through the job script that submits to it (utils/slurm.pl or utils/queue.pl)."""

    installers = {"slurm.pl": "tools/extras/install_slurm.sh", "queue.pl": "tools/extras/install_gridengine.sh"}

    def __init__(self, script: str):
        self.script = script
        self.path = str(ROOT / "utils" / script)

    def is_up(self) -> bool:
        if self.script == "slurm.pl":
            return any(s in ("idle", "mix", "alloc") for s in _output("sinfo -h -o %t").split())
        return any(line.startswith("all.q@") for line in _output("qstat -f").splitlines())

    def queued_job_names(self) -> List[str]:
        if self.script == "slurm.pl":
            return _output("squeue -h -o %j").split()
        return [line.split()[2] for line in _output("qstat").splitlines()[2:] if line.strip()]


@pytest.fixture(params=["slurm.pl", "queue.pl"])
def cluster(request) -> LocalCluster:
    """Each local cluster in turn. Skips one that is not running, unless TOOLKIT_REQUIRE_CLUSTERS=1
    (.ci/run starts both and sets it), where that is a failure."""
    c = LocalCluster(request.param)
    if not c.is_up():
        message = f"the local cluster for {c.script} is not running (start it with {c.installers[c.script]})"
        if os.environ.get("TOOLKIT_REQUIRE_CLUSTERS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return c
