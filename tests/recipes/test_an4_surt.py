"""egs/an4/SURT on a tiny corpus in CMU AN4's layout at the CI config: stage 0 runs ../ASR's <eos>
model up to its alignments, then mixtures, SURT training at each late weight, streaming decode,
ONNX export with the driver check, and RESULTS.md; a re-run does nothing again."""
import json

import pytest

from .an4_layout import build_tiny_an4
from .helpers import assert_ok, error_lines, run_recipe

pytestmark = pytest.mark.recipe
RECIPE = "egs/an4/SURT"


def test_every_stage_at_the_ci_config(tmp_path, fsdd_subset):
    an4 = build_tiny_an4(tmp_path / "corpus", fsdd_subset, per_speaker=6,
                         test_speakers={"mywe": "yweweler", "mnic": "nicolas"})  # two talkers for each test mixture
    exp, results = tmp_path / "exp", tmp_path / "RESULTS.md"
    args = ["--conf", "conf/ci.yaml", "--asr-conf", "conf/ci_eos.yaml", "--corpus-dir", str(an4), "--asr-opts", "--num-dev 7",
            "--asr-exp-dir", str(tmp_path / "asr_exp"), "--asr-data-dir", str(tmp_path / "asr_data"),
            "--data-dir", str(tmp_path / "data"), "--exp-dir", str(exp), "--results", str(results)]
    proc = run_recipe(RECIPE, args)
    assert_ok(proc)
    assert (tmp_path / "asr_exp" / "align" / "cuts_test.jsonl.gz").is_file()
    assert (tmp_path / "asr_exp" / "streaming_greedy_search").is_dir() and not (tmp_path / "asr_exp" / "eos_late_0.0").exists()
    for part in ("train", "dev", "test"):
        assert (tmp_path / "data" / "mixtures" / f"cuts_{part}.jsonl.gz").is_file()
    for w in ("0.0", "1.0"):
        model = exp / f"surt_late_{w}"
        assert (model / "epoch-1.pt").is_file() and (model / "log" / "loss.tsv").is_file()
        assert (model / "decode" / "mix_test.jsonl").is_file() and (model / "decode" / "mix_test-mixture.png").is_file()
        first = json.loads((model / "decode" / "mix_test.jsonl").read_text().splitlines()[0])
        assert len(first["references"]) == 2 and len(first["channels"]) == 2
        check = json.loads((model / "onnx" / "check.json").read_text())
        assert check["same_tokens"] is True and check["max_abs_diff"] < 1e-3
    text = results.read_text()
    assert "## ORC-WER (%) on the two-talker test mixtures, by overlap ratio" in text
    assert "| single-talker streaming model" in text and "## Per-channel <eos> endpoints" in text
    targets = text.split("## Targets")[1]
    assert "ORC-WER on the test mixtures (late weight 0) at most 2 x" in targets
    assert "cuts the median endpoint latency by at least 30 %" in targets
    assert "the ONNX driver equals PyTorch streaming" in targets and targets.count(": met") + targets.count("NOT met") == 4
    again = run_recipe(RECIPE, args + ["--stage", "1"])
    assert_ok(again)
    assert again.stdout.count("done already, skipping") == 1 + 2 * 3


def test_a_missing_source_model_is_a_one_line_error(tmp_path):
    proc = run_recipe(RECIPE, ["--conf", "conf/ci.yaml", "--stage", "2", "--asr-exp-dir", str(tmp_path / "none"),
                               "--data-dir", str(tmp_path / "data"), "--exp-dir", str(tmp_path / "exp")])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and "no epoch-N.pt" in lines[0], proc.stderr
