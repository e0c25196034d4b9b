"""egs/speechocean762/ASR on a tiny corpus in speechocean762's exact on-disk layout (Kaldi dirs
train/ and test/, WAVE/SPEAKERxxxx/<utt>.WAV), built from the embedded spoken digits, through every
stage at the CI config; and a missing corpus as a one-line error."""
import pytest

from .helpers import assert_ok, error_lines, run_recipe
from .speechocean762_layout import build_tiny_speechocean762

RECIPE = "egs/speechocean762/ASR"
pytestmark = pytest.mark.recipe


def test_every_stage_on_a_tiny_speechocean762_layout(tmp_path, fsdd_subset):
    corpus = tmp_path / "speechocean762"
    # 8 + 8 train speakers: the default 10 dev speakers (5 + 5) leave 3 + 3 to train on
    build_tiny_speechocean762(corpus, fsdd_subset, {"train": (8, 8), "test": (2, 2)}, utts_per_speaker=2)
    proc = run_recipe(RECIPE, [
        "--conf", "conf/ci.yaml", "--corpus-dir", str(corpus), "--nj", "2",
        "--data-dir", str(tmp_path / "data"), "--exp-dir", str(tmp_path / "exp"), "--results", str(tmp_path / "RESULTS.md"),
    ], timeout=600)
    assert_ok(proc)
    results = (tmp_path / "RESULTS.md").read_text()
    assert "dev (PyTorch)" in results and "test (sherpa-onnx)" in results
    assert "–" not in results.split("## WER")[1].split("PyTorch model")[0]  # every cell measured
    assert (tmp_path / "exp" / "onnx" / "encoder.onnx").is_file()
    by_age = results.split("## WER (%) by speaker age")[1].split("\n\n")[1].splitlines()
    assert "children 0-14 (PyTorch)" in by_age[0] and "adults 15-99 (sherpa-onnx)" in by_age[0]
    assert len(by_age) == 2 + 2 * 2  # header, rule, two methods x two sets
    assert all(" words)" in row for row in by_age[2:])  # the tiny layout has children and adults in both sets
    last_epoch = (tmp_path / "exp" / "log" / "loss.tsv").read_text().splitlines()[-1].split("\t")
    assert last_epoch[0] == "2" and int(last_epoch[1]) > 0  # it trained: steps were taken
    for part in ("train", "dev", "test"):
        assert (tmp_path / "data" / "manifests" / f"speechocean762_cuts_{part}.jsonl.gz").is_file()


def test_missing_corpus_is_a_one_line_error(tmp_path):
    proc = run_recipe(RECIPE, ["--corpus-dir", str(tmp_path / "nowhere"), "--data-dir", str(tmp_path / "data"),
                               "--stop-stage", "1"])
    assert proc.returncode != 0
    errors = error_lines(proc)
    assert len(errors) == 1 and "nowhere: not a speechocean762 folder" in errors[0], proc.stderr
