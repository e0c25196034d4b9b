"""vision_egs/mest end to end at its CI config (stage 1 as 2 jobs through run.pl), a re-run that does
nothing, and bad input as one line before any training."""
import json

import pytest

from .helpers import ROOT, assert_ok, error_lines, run_recipe

RECIPE = "vision_egs/mest"
pytestmark = pytest.mark.recipe
RECIPE_CI = ROOT / RECIPE / "conf" / "ci.yaml"
RUNS = ["dense_seed0", "small_dense_unstructured_0.9_seed0", "static_unstructured_0.9_seed0",
        "set_unstructured_0.9_seed0", "rigl_unstructured_0.9_seed0", "mest_em_unstructured_0.9_seed0",
        "mest_ems_unstructured_0.9_seed0", "mest_ems_block_0.9_seed0", "mest_ems_unstructured_0.9_seed0_de"]


@pytest.fixture(scope="module")
def mest_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("mest")
    args = ["--conf", "conf/ci.yaml", "--exp-dir", str(out / "exp"), "--results", str(out / "RESULTS.md"), "--nj", "2"]
    proc = run_recipe(RECIPE, args)
    assert_ok(proc)
    return out, args


def test_every_stage_writes_its_outputs(mest_run):
    out, _ = mest_run
    exp = out / "exp"
    assert sorted(p.name for p in (exp / "runs").iterdir()) == sorted(RUNS)
    for name in RUNS:
        r = json.loads((exp / "runs" / name / "run.json").read_text())
        assert len(r["test_correct"]) == 50 and r["peak_rss_bytes"] > 0 and r["step_ms"] > 0
        assert [p.name for p in (exp / "runs" / name).glob("epoch-*.pt")] == ["epoch-3.pt"]
        if name.startswith(("dense", "small_dense")):
            assert r["sparsity"] == 0 and r["footprint_bytes"] == r["dense_footprint_bytes"]
        else:
            assert abs(r["sparsity"] - 0.9) < 0.01 and r["footprint_bytes"] < 0.3 * r["dense_footprint_bytes"]
    de = json.loads((exp / "runs" / RUNS[-1] / "run.json").read_text())["data_efficiency"]
    assert 0 < de["removed"] <= 48 and de["remove_epoch"] == 2
    steps = json.loads((exp / "step_times.json").read_text())["runs"]["mest_ems_block_0.9_seed0"]
    assert all(v > 0 for v in steps.values())
    for png in ("accuracy_vs_sparsity.png", "accuracy_vs_footprint.png"):
        assert (exp / png).stat().st_size > 5000
    results = (out / "RESULTS.md").read_text()
    for text in ["## unstructured at 0.9 sparsity", "MEST+EM&S", "RigL", "small-dense", "[95% Wilson]",
                 "## Data efficiency", "## Block scheme: step times", "## Targets at unstructured 0.9",
                 "MEST+EM&S ≥ RigL", "no training path", "--conf conf/ci.yaml", "Wall time per stage"]:
        assert text in results
    assert results.count(": met") + results.count(": NOT met") == 7


def test_training_ran_as_two_jobs_and_rerun_does_nothing(mest_run):
    out, args = mest_run
    logs = out / "exp" / "log"
    for job in (1, 2):
        log = (logs / f"train.{job}.log").read_text()
        assert f"--job {job} --num-jobs 2" in log.splitlines()[0] and "# Ended (code 0)" in log
    run_json = out / "exp" / "runs" / "rigl_unstructured_0.9_seed0" / "run.json"
    before = run_json.stat().st_mtime
    proc = run_recipe(RECIPE, args + ["--stop-stage", "1"])
    assert_ok(proc)
    assert run_json.stat().st_mtime == before
    assert "done (" in (logs / "train.1.log").read_text()


@pytest.mark.parametrize("yaml, message", [
    ("settings: [{scheme: unstructured, sparsity: 1.2, methods: [static]}]\n", "sparsity 1.2 is outside (0, 1)"),
    ("update: {bounds: [{method: mest_em, sparsity: 0.9, prune_to: [0.88, 0.9, 0.9], grow_to: [0.9, 0.9, 0.9]}]}\n",
     "do not bracket the target"),
    ("model: {width: 0.2}\nsettings: [{scheme: block, sparsity: 0.9, methods: [static]}]\n",
     "block scheme needs output channels divisible by 4, not 6"),
    ("settings: [{scheme: unstructured, sparsity: 0.8, methods: [mest_ems]}]\ndata_efficiency: null\n",
     "no bounds for mest_ems with unstructured at sparsity 0.8"),
])
def test_bad_input_is_one_line_error_before_training(tmp_path, yaml, message):
    conf = tmp_path / "bad.yaml"
    conf.write_text("base: " + str(RECIPE_CI) + "\n" + yaml)
    proc = run_recipe(RECIPE, ["--conf", str(conf), "--exp-dir", str(tmp_path / "exp")])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert not (tmp_path / "exp" / "runs").exists()
