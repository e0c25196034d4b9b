"""vision_egs/pruning end to end at its CI config (training stages as 2 jobs through run.pl), re-runs,
the same pruned variants at --nj 1, and bad input."""
import json

import pytest
import torch

from recipe_common.checkpoint import load_checkpoint

from .helpers import ROOT, assert_ok, error_lines, run_recipe

RECIPE = "vision_egs/pruning"
pytestmark = pytest.mark.recipe


@pytest.fixture(scope="module")
def pruning_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("pruning")
    args = ["--conf", "conf/ci.yaml", "--exp-dir", str(out / "exp"), "--results", str(out / "RESULTS.md"),
            "--nj", "2"]
    proc = run_recipe(RECIPE, args)
    assert_ok(proc)
    return out, args, proc


def test_every_stage_writes_its_outputs(pruning_run):
    out, _, proc = pruning_run
    exp = out / "exp" / "resnet20"
    assert (exp / "dense" / "epoch-1.pt").is_file() and (out / "exp" / "latency_table.json").is_file()
    for method in ("rule", "search"):
        mapping = json.loads((exp / "mapping" / f"{method}.json").read_text())
        assert mapping["predicted_ms"] <= mapping["budget_ms"] + 1e-9 or method == "rule"
        assert len(mapping["layers"]) == 18
        assert 1 <= len(mapping["measured_speedups"]) <= 4 and all(x > 0 for x in mapping["measured_speedups"])
    variants = ["filter_0.5", "block-8x144_0.5", "rule", "search"]
    assert sorted(p.name for p in (exp / "pruned").iterdir()) == sorted(variants)
    for v in variants:
        assert (exp / "pruned" / v / "masks.pt").is_file() and (exp / "onnx" / f"{v}.onnx").is_file()
    measure = json.loads((exp / "measure.json").read_text())
    rows = measure["rows"]
    assert set(rows) == {"dense", *variants}
    assert all(r["latency_ms"] > 0 and r["onnx_ms"] > 0 and r["max_logit_diff"] < 1e-3
               for n, r in rows.items() if n != "dense")
    assert rows["filter_0.5"]["executed_macs"] < 0.6 * rows["dense"]["executed_macs"]  # conv1 out, conv2 in halved
    assert (out / "exp" / "accuracy_vs_latency.png").stat().st_size > 5000
    results = (out / "RESULTS.md").read_text()
    for text in ["## resnet20", "uniform filter@0.5", "mapped (search)", "MAC reduction", "ONNX Runtime (ms)",
                 "Targets (computed from the table)", "Mappings of resnet20", "--conf conf/ci.yaml",
                 "Wall time per stage", "distilled from it (alpha 0.9, temperature 4)"]:
        assert text in results
    assert "# Fine-grained structured pruning" in proc.stdout


def test_training_ran_as_jobs_and_timing_as_one(pruning_run):
    out, _, _ = pruning_run
    logs = out / "exp" / "log"
    for name in ("dense", "prune"):
        for job in (1, 2):
            log = (logs / f"{name}.{job}.log").read_text()
            assert f"--job {job} --num-jobs 2" in log.splitlines()[0] and "# Ended (code 0)" in log
    assert "no model to train" in (logs / "dense.2.log").read_text()  # ci.yaml has one model
    first, second = (logs / "prune.1.log").read_text(), (logs / "prune.2.log").read_text()
    assert "pruned/filter_0.5: pruned" in first and "pruned/rule: pruned" in first  # every 2nd pair
    assert "pruned/block-8x144_0.5: pruned" in second and "pruned/search: pruned" in second
    for name in ("latency_table", "map", "measure"):  # one job each, whatever --nj
        log = (logs / f"{name}.log").read_text()
        assert "--job" not in log.splitlines()[0] and "# Ended (code 0)" in log


def test_pruned_variants_at_nj_1_equal_those_of_2_jobs(pruning_run, tmp_path):
    out, _, _ = pruning_run
    ref = out / "exp" / "resnet20"
    exp = tmp_path / "exp"
    (exp / "resnet20").mkdir(parents=True)
    for name in ("dense", "mapping"):
        (exp / "resnet20" / name).symlink_to(ref / name)
    proc = run_recipe(RECIPE, ["--conf", "conf/ci.yaml", "--exp-dir", str(exp), "--stage", "3", "--stop-stage", "3",
                               "--nj", "1"])
    assert_ok(proc)
    for v in ["filter_0.5", "block-8x144_0.5", "rule", "search"]:
        ours, theirs = exp / "resnet20" / "pruned" / v, ref / "pruned" / v
        for name in ("epoch-2.pt", "masks.pt"):
            a, b = load_checkpoint(ours / name), load_checkpoint(theirs / name)
            key = "model" if name != "masks.pt" else "masks"
            assert a[key].keys() == b[key].keys() and all(torch.equal(a[key][k], b[key][k]) for k in b[key]), (v, name)


def test_rerun_does_nothing(pruning_run):
    out, args, _ = pruning_run
    measure = out / "exp" / "resnet20" / "measure.json"
    table = out / "exp" / "latency_table.json"
    before = measure.stat().st_mtime, table.read_text()
    proc = run_recipe(RECIPE, args + ["--stage", "0", "--stop-stage", "4"])
    assert_ok(proc)
    assert (measure.stat().st_mtime, table.read_text()) == before
    logs = out / "exp" / "log"
    assert "training already finished" in (logs / "dense.1.log").read_text()
    assert "mappings exist" in (logs / "map.log").read_text()
    assert "0 measured now" in (logs / "latency_table.log").read_text()
    assert all("done (" in (logs / f"prune.{job}.log").read_text() for job in (1, 2))
    assert "measured (" in (logs / "measure.log").read_text()


def test_a_budget_no_mapping_meets_is_one_line_error(pruning_run, tmp_path):
    out, _, _ = pruning_run
    conf = tmp_path / "fast.yaml"
    conf.write_text("data: {train_images: 200, test_images: 50}\nmodels: [resnet20]\n"
                    "candidates: {schemes: [filter], sparsities: [0.5]}\n"
                    "latency: {batch_size: 8, warmup: 1, repeats: 2}\nmapping: {speedup: 50, calibration_images: 32}\n")
    exp = tmp_path / "exp"
    (exp / "resnet20").mkdir(parents=True)
    (exp / "resnet20" / "dense").symlink_to(out / "exp" / "resnet20" / "dense")
    proc = run_recipe(RECIPE, ["--conf", str(conf), "--exp-dir", str(exp), "--stage", "1", "--stop-stage", "2"])
    assert proc.returncode != 0
    assert "run.pl: job failed, log is in" in proc.stderr  # the timing stage is one job; its log holds the line
    lines = [line for line in (exp / "log" / "map.log").read_text().splitlines() if "error" in line.lower()]
    assert len(lines) == 1 and "cannot be met" in lines[0]
    assert not (exp / "resnet20" / "mapping").exists() or not any((exp / "resnet20" / "mapping").iterdir())


@pytest.mark.parametrize("uniform, message", [
    ("sparse@0.5", "unknown pruning scheme 'sparse'"),
    ("block:7x144@0.5", "block 7x144 does not divide"),
])
def test_bad_uniform_scheme_is_one_line_error_before_training(tmp_path, uniform, message):
    conf = tmp_path / "bad.yaml"
    conf.write_text(f"models: [resnet20]\nprune: {{uniform: ['{uniform}']}}\n")
    proc = run_recipe(RECIPE, ["--conf", str(conf), "--exp-dir", str(tmp_path / "exp"), "--stop-stage", "0"])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and message in lines[0]
    assert not (tmp_path / "exp" / "resnet20").exists()


def test_unknown_config_key_is_one_line_error(tmp_path):
    conf = tmp_path / "bad.yaml"
    conf.write_text("mapping: {budget: 3}\n")
    proc = run_recipe(RECIPE, ["--conf", str(conf), "--exp-dir", str(tmp_path / "exp"), "--stop-stage", "0"])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and "unknown key 'mapping.budget'" in lines[0]


@pytest.mark.parametrize("source, message", [
    ([], "/nonexistent: a corpus folder was given, but the data source is 'embedded'"),
    (["--data-source", "folder"], "/nonexistent/train: image folder does not exist"),
])
def test_a_corpus_dir_that_does_not_exist_is_one_line_error(tmp_path, source, message):
    proc = run_recipe(RECIPE, source + ["--corpus-dir", "/nonexistent", "--exp-dir", str(tmp_path / "exp")])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and message in lines[0]
    assert not (tmp_path / "exp").exists()


def test_help_names_the_options_and_data_dir_is_gone():
    proc = run_recipe(RECIPE, ["--help"])
    assert proc.returncode == 0
    for option in ["--corpus-dir", "--nj", "--cmd", "--timing-cmd", "--stage", "--conf"]:
        assert option in proc.stderr
    proc = run_recipe(RECIPE, ["--data-dir", "x"])
    assert proc.returncode != 0 and "invalid option --data-dir" in proc.stderr
    cmd_sh = (ROOT / RECIPE / "cmd.sh").read_text()
    assert 'export train_cmd="utils/run.pl"' in cmd_sh and 'export timing_cmd="utils/run.pl"' in cmd_sh
