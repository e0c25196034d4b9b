"""egs/fsdd/ASR's feature stage (--nj 2) run on a local Slurm and Grid Engine gives what run.pl gives."""
import shutil

import numpy as np
import pytest

from .helpers import FSDD, assert_ok, run_recipe

pytestmark = pytest.mark.recipe


def test_fbank_stage_on_a_cluster_matches_run_pl(cluster, fsdd_ci_run, tmp_path):
    from lhotse import CutSet

    out, _, _ = fsdd_ci_run
    shutil.copytree(out / "data" / "manifests", tmp_path / "data" / "manifests")
    proc = run_recipe(FSDD, ["--stage", "2", "--stop-stage", "2", "--conf", "conf/ci.yaml", "--nj", "2",
                             "--cmd", cluster.path, "--data-dir", str(tmp_path / "data")])
    assert_ok(proc)
    for part in ["train", "dev", "test", "test_open", "noise"]:
        log = (tmp_path / "data" / "fbank" / "log" / f"fbank_{part}.2.log").read_text()
        assert "# Running on " in log and "# Ended (code 0)" in log  # written by the job script
        ours = {c.id: c for c in CutSet.from_file(tmp_path / "data" / "fbank" / f"cuts_{part}.jsonl.gz")}
        ref = {c.id: c for c in CutSet.from_file(out / "data" / "fbank" / f"cuts_{part}.jsonl.gz")}
        assert sorted(ours) == sorted(ref)
        for cut_id, cut in ref.items():
            np.testing.assert_array_equal(ours[cut_id].load_features(), cut.load_features())
