"""vision_egs/sr_search end to end at its CI config on the embedded images (training stages as 2 jobs
through run.pl), a re-run that skips every stage and changes no file, and bad input as one line
before any training."""
import json
import shutil

import pytest

from .helpers import ROOT, assert_ok, error_lines, run_recipe

RECIPE = "vision_egs/sr_search"
pytestmark = pytest.mark.recipe
RECIPE_CI = ROOT / RECIPE / "conf" / "ci.yaml"
MODELS = ["fsrcnn", "espcn", "wdsr_b", "searched", "searched+pruned"]


@pytest.fixture(scope="module")
def sr_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sr_search")
    args = ["--conf", "conf/ci.yaml", "--exp-dir", str(out / "exp"), "--results", str(out / "RESULTS.md"), "--nj", "2"]
    proc = run_recipe(RECIPE, args)
    assert_ok(proc)
    return out, args


def test_every_stage_writes_its_outputs(sr_run):
    out, _ = sr_run
    exp = out / "exp"
    for scale in (2, 4):
        for name in ("fsrcnn", "espcn", "wdsr_b"):
            assert (exp / "baselines" / f"{name}_x{scale}" / "epoch-1.pt").is_file()
        assert (exp / "supernet" / f"x{scale}" / "epoch-1.pt").is_file()
        table = json.loads((exp / "latency" / f"table_x{scale}.json").read_text())
        assert table["entries"] and all(ms > 0 for ms in table["entries"].values())
        search = json.loads((exp / "search" / f"x{scale}.json").read_text())
        assert search["best"]["latency_ms"] <= 80 and all(c["latency_ms"] <= 80 for c in search["evaluated"])
        pruning = json.loads((exp / "pruning" / f"x{scale}.json").read_text())
        assert len(pruning["ratios"]) == len(pruning["searched"]) == len(pruning["widths"])
        evaluated = json.loads((exp / "eval" / f"x{scale}.json").read_text())
        assert list(evaluated) == MODELS
        assert all(r["params"] > 0 and r["macs_720p"] > 0 and 0 < r["tests"]["Set5"]["ssim"] <= 1
                   for r in evaluated.values())
        measured = json.loads((exp / "latency" / f"measured_x{scale}.json").read_text())
        assert set(measured["ms"]) == set(MODELS) and measured["per_frame"] == 25 and not measured["deployment"]
        assert len(list((exp / "onnx" / f"x{scale}").glob("*.onnx"))) == len(MODELS)
    assert (exp / "pareto.png").stat().st_size > 5000
    results = (out / "RESULTS.md").read_text()
    for text in ["## x2", "## x4", "| bicubic | 33.68 / 0.9305", "| bicubic | 28.43 / 0.8113", "FSRCNN, published",
                 "37.00 / 0.9558", "30.72 / 0.8660", "Dong et al., ECCV 2016", "not the deployment shape",
                 "--conf conf/ci.yaml", "Wall time per stage", "pareto.png"]:
        assert text in results, text
    assert results.count(": met") + results.count(": NOT met") == 3


def test_training_ran_as_two_jobs_and_rerun_skips_every_stage(sr_run):
    out, args = sr_run
    logs = out / "exp" / "log"
    for job in (1, 2):
        log = (logs / f"baselines.{job}.log").read_text()
        assert f"--job {job} --num-jobs 2" in log.splitlines()[0] and "# Ended (code 0)" in log
    files = [p for p in out.rglob("*") if p.is_file() and "log" not in p.parts]
    before = {p: p.stat().st_mtime for p in files}
    proc = run_recipe(RECIPE, args)
    assert_ok(proc)
    assert proc.stdout.count("done already, skipping") == 8  # stages 0, 1, 4, 5, 6, 8, 9, 10
    for stage in ("baselines", "supernet", "finetune"):
        assert "training already finished" in (logs / f"{stage}.1.log").read_text()
    assert {p: p.stat().st_mtime for p in files} == before


@pytest.mark.parametrize("yaml, message", [
    ("data: {lr_patch: 200}\n", "is smaller than the 400x400 HR patch (LR patch 200 at x2)"),
    ("data: {scales: [2, 3]}\n", "latency.input has no (height, width) for x3"),
    ("data: {test_dirs: [Set5, Set14]}\n", "Set14: image folder does not exist"),
    ("search: {budget_sm: 5}\n", "unknown key 'search.budget_sm'"),
    ("train: {epochs: one}\n", "'train.epochs' should be an integer, not 'one'"),
])
def test_bad_input_is_one_line_error_before_training(tmp_path, yaml, message):
    conf = tmp_path / "bad.yaml"
    conf.write_text("base: " + str(RECIPE_CI) + "\n" + yaml)
    proc = run_recipe(RECIPE, ["--conf", str(conf), "--exp-dir", str(tmp_path / "exp")])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert not (tmp_path / "exp" / "baselines").exists()


def test_budget_below_every_candidate_is_one_line(sr_run, tmp_path):
    out, _ = sr_run
    shutil.copytree(out / "exp", tmp_path / "exp")  # the trained supernet and latency table, in a copy
    conf = tmp_path / "tight.yaml"
    conf.write_text("base: " + str(RECIPE_CI) + "\nsearch: {budget_ms: 1.0}\n")
    proc = run_recipe(RECIPE, ["--conf", str(conf), "--exp-dir", str(tmp_path / "exp"), "--stage", "5", "--stop-stage", "5"])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and "latency budget 1.00 ms is below every candidate" in lines[0], proc.stderr
