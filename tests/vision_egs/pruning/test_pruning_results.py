"""vision_egs/pruning's target (speedup, and no significant accuracy loss by McNemar's exact test)
with its thresholds from the config's `results` section, malformed ones refused in one line."""
import subprocess
import sys

import numpy as np
import pytest

from recipe_common.config import load_config
from recipe_common.errors import InputError
from vision_egs.pruning.bin.write_results import model_table, targets
from vision_egs.pruning.config import PruningConfig, ResultsConfig


@pytest.mark.parametrize("speedup, delta, p, met", [
    (2.3, -0.5, 0.60, True),  # faster, a drop within the noise
    (2.3, -1.0, 0.25, True),  # a drop of exactly max_accuracy_drop
    (1.9, +0.5, 0.80, False),  # too slow
    (2.3, -0.8, 0.01, False),  # a significant loss, however small
    (2.3, -1.5, 0.20, False),  # more than max_accuracy_drop, significant or not
    (2.3, +3.0, 0.001, True),  # a significant gain is no loss
])
def test_target_rule(speedup, delta, p, met):
    assert ResultsConfig().met(speedup, delta, p) is met


def measure(speedup):
    row = {"macs": 1e6, "mac_reduction": 2.0, "executed_macs": 1e6, "latency_ms": 10.0, "onnx_ms": 9.0}
    return {"baseline_ms": 20.0, "rows": {
        "dense": {**row, "label": "dense", "accuracy": 0.6, "speedup": 1.0, "latency_ms": 20.0, "eager_ms": 25.0},
        "search": {**row, "label": "mapped (search)", "accuracy": 0.0, "speedup": speedup, "predicted_ms": 9.5}}}


def correct(n, dense_right, lost, gained=0):
    """Dense right on the first dense_right of n images; the mapped model loses `lost` of them and
    gets `gained` of the others right."""
    dense = np.arange(n) < dense_right
    mapped = dense.copy()
    mapped[:lost] = False
    mapped[dense_right:dense_right + gained] = True
    return {"dense": dense, "search": mapped}


@pytest.mark.parametrize("n, lost, speedup, verdict, text", [
    (100, 1, 2.1, "met", "-1.00 pts against dense, McNemar p 1"),  # 1 image of 100: not significant
    (2000, 15, 2.1, "NOT met", "-0.75 pts against dense, McNemar p 6.1e-05"),  # small but significant
    (100, 0, 1.5, "NOT met", "1.50x measured speedup (target ≥ 2x)"),
])
def test_targets_lines_from_per_image_results(n, lost, speedup, verdict, text):
    lines = targets(measure(speedup), correct(n, n // 2, lost), ResultsConfig())
    assert len(lines) == 1 and text in lines[0] and lines[0].split(": ")[-1].startswith(verdict)
    assert "target: ≥ −1 pts, and no loss significant at p < 0.05" in lines[0]


def test_model_table_prints_wilson_intervals_and_mcnemar_against_dense():
    table = "\n".join(model_table(measure(2.0), correct(100, 60, lost=5, gained=1)))
    assert "| dense | 60.00 [50.20, 69.06] | – | – |" in table
    assert "| mapped (search) | 56.00 [46.23, 65.33] | -4.00 | 0.219 (5/1) |" in table


def test_results_section_loads_from_the_shipped_configs(repo_root):
    root = repo_root / "vision_egs" / "pruning" / "conf"
    assert load_config(root / "full.yaml", PruningConfig).results == ResultsConfig(2.0, 1.0, 0.05)
    assert load_config(root / "ci.yaml", PruningConfig).results.min_speedup == 1.0


@pytest.mark.parametrize("section, message", [
    ("{max_loss: 0.5}", "unknown key 'results.max_loss' (known: min_speedup, max_accuracy_drop, min_mcnemar_p)"),
    ("{min_speedup: fast}", "'results.min_speedup' should be a number, not 'fast'"),
    ("{min_mcnemar_p: 5}", "'results': min_mcnemar_p must be in [0, 1], not 5"),
    ("{max_accuracy_drop: -1}", "'results': max_accuracy_drop must not be negative, not -1"),
])
def test_malformed_threshold_is_one_line_error_naming_file_and_key(tmp_path, repo_root, section, message):
    conf = tmp_path / "bad.yaml"
    conf.write_text(f"results: {section}\n")
    with pytest.raises(InputError) as e:
        load_config(conf, PruningConfig)
    assert str(e.value) == f"{conf}: {message}"
    proc = subprocess.run([sys.executable, "-m", "vision_egs.pruning.bin.write_results", "--config", str(conf),
                           "--exp-dir", str(tmp_path / "exp"), "--command", "x", "--out", str(tmp_path / "R.md")],
                          capture_output=True, text=True, cwd=repo_root)
    assert proc.returncode == 1 and proc.stderr.splitlines() == [f"write_results.py: error: {conf}: {message}"]
