"""egs/an4/ASR on a tiny corpus in CMU AN4's exact layout (SPHERE audio, etc/ transcriptions and file
lists), through every stage at the CI config; and its bad input."""
import pytest

from .an4_layout import build_tiny_an4
from .helpers import assert_ok, error_lines, run_recipe

pytestmark = pytest.mark.recipe
RECIPE = "egs/an4/ASR"


def test_every_stage_on_a_tiny_an4_layout(tmp_path, fsdd_subset):
    an4 = build_tiny_an4(tmp_path / "corpus", fsdd_subset, per_speaker=10)
    results = tmp_path / "RESULTS.md"
    proc = run_recipe(RECIPE, [
        "--conf", "conf/ci.yaml", "--corpus-dir", str(an4), "--num-dev", "6",
        "--data-dir", str(tmp_path / "data"), "--exp-dir", str(tmp_path / "exp"), "--results", str(results),
    ])
    assert_ok(proc)
    text = results.read_text()
    assert "dev (PyTorch)" in text and "test (sherpa-onnx)" in text
    assert "–" not in text.split("## WER")[1].split("PyTorch model")[0]  # every cell measured
    targets = text.split("## Targets")[1]
    assert "test WER below 7.40 %" in targets and "sherpa-onnx within 0.30" in targets and "training at most 60 min" in targets
    assert (tmp_path / "exp" / "onnx" / "encoder.onnx").is_file() and (tmp_path / "exp" / "onnx" / "ctc.onnx").is_file()
    assert "| ctc_greedy_search |" in text  # the CTC head, by PyTorch and by sherpa-onnx's CTC recogniser
    marker = (tmp_path / "data" / "manifests" / ".an4.done").read_text()
    assert "--num-dev 6" in marker
    again = run_recipe(RECIPE, ["--conf", "conf/ci.yaml", "--corpus-dir", str(an4), "--num-dev", "6", "--stop-stage", "3",
                                "--data-dir", str(tmp_path / "data")])
    assert_ok(again)
    assert ".an4.done: done already, skipping" in again.stdout


def test_no_corpus_is_a_one_line_error(tmp_path):
    proc = run_recipe(RECIPE, ["--data-dir", str(tmp_path / "data"), "--stop-stage", "1"])
    assert proc.returncode != 0
    assert "give --corpus-dir DIR" in proc.stderr


def test_a_missing_audio_file_stops_stage_1_naming_it(tmp_path, fsdd_subset):
    an4 = build_tiny_an4(tmp_path / "corpus", fsdd_subset, per_speaker=2)
    (an4 / "wav" / "an4_clstk" / "mluc" / "an101-mluc-b.sph").unlink()
    proc = run_recipe(RECIPE, ["--corpus-dir", str(an4), "--num-dev", "1", "--data-dir", str(tmp_path / "data"),
                               "--stop-stage", "1"])
    assert proc.returncode != 0
    [line] = error_lines(proc)
    assert "an101-mluc-b.sph: listed in" in line and "but absent" in line
    assert not (tmp_path / "data" / "manifests" / ".an4.done").exists()


def test_a_yaml_file_given_to_kaldis_config_flag_is_refused(tmp_path):
    proc = run_recipe(RECIPE, ["--config", "conf/ci.yaml"])
    assert proc.returncode != 0
    assert "'conf/ci.yaml' is YAML: give it with --conf conf/ci.yaml" in proc.stderr
