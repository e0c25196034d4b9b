"""vision_egs/pruning end to end at its CI config, re-runs, and bad input."""
import json

import pytest

from .helpers import assert_ok, error_lines, run_recipe

RECIPE = "vision_egs/pruning"
pytestmark = pytest.mark.recipe


@pytest.fixture(scope="module")
def pruning_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("pruning")
    args = ["--conf", "conf/ci.yaml", "--exp-dir", str(out / "exp"), "--results", str(out / "RESULTS.md")]
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


def test_rerun_does_nothing(pruning_run):
    out, args, _ = pruning_run
    measure = out / "exp" / "resnet20" / "measure.json"
    table = out / "exp" / "latency_table.json"
    before = measure.stat().st_mtime, table.read_text()
    proc = run_recipe(RECIPE, args + ["--stage", "0", "--stop-stage", "4"])
    assert_ok(proc)
    assert (measure.stat().st_mtime, table.read_text()) == before
    assert "training already finished" in proc.stderr and "mappings exist" in proc.stderr
    assert "0 measured now" in proc.stderr


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
    lines = error_lines(proc)
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
