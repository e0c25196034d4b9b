"""One run of egs/fsdd/ASR at its CI config, shared by the tests that read or reuse its outputs."""
import pytest

from .helpers import FSDD, assert_ok, run_recipe


@pytest.fixture(scope="session")
def fsdd_ci_run(tmp_path_factory):
    """(output dir, run.sh args, finished process) of every stage with run.pl."""
    out = tmp_path_factory.mktemp("fsdd")
    args = ["--conf", "conf/ci.yaml", "--data-dir", str(out / "data"), "--exp-dir", str(out / "exp"),
            "--results", str(out / "RESULTS.md"), "--test-speakers", "yweweler"]  # long files: ci.yaml's 2-4 s
    proc = run_recipe(FSDD, args)
    assert_ok(proc)
    return out, args, proc
