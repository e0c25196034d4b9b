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
    assert "\n./run.sh --conf conf/ci.yaml --corpus-dir" in text  # as typed in the recipe folder, not this machine's path
    assert "–" not in text.split("## WER")[1].split("PyTorch model")[0]  # every cell measured
    targets = text.split("## Targets")[1]
    assert "test WER below 7.40 %" in targets and "sherpa-onnx within 0.30" in targets and "training at most 60 min" in targets
    assert (tmp_path / "exp" / "onnx" / "encoder.onnx").is_file() and (tmp_path / "exp" / "onnx" / "ctc.onnx").is_file()
    assert "| ctc_greedy_search |" in text  # the CTC head, by PyTorch and by sherpa-onnx's CTC recogniser
    assert "Stages 9-12: skipped, the encoder of conf/ci.yaml is not causal" in proc.stdout
    assert "Stages 13-16: skipped, conf/ci.yaml is not a causal model with <eos>" in proc.stdout
    assert "Stage 17: " in proc.stdout and "Streaming" not in text and "endpointing" not in text
    marker = (tmp_path / "data" / "manifests" / ".an4.done").read_text()
    assert "--num-dev 6" in marker
    again = run_recipe(RECIPE, ["--conf", "conf/ci.yaml", "--corpus-dir", str(an4), "--num-dev", "6", "--stop-stage", "3",
                                "--data-dir", str(tmp_path / "data")])
    assert_ok(again)
    assert ".an4.done: done already, skipping" in again.stdout


def test_streaming_and_endpointing_stages_at_the_ci_eos_config(tmp_path, fsdd_subset):
    """A causal <eos> model (conf/ci_eos.yaml, conf/ci_streaming.yaml with <eos>): stages 9-12 decode
    streaming in PyTorch and with sherpa-onnx's OnlineRecognizer at every chunk, their WERs within
    results.streaming's tolerance; stages 13-16 align, fine-tune at each late weight, endpoint with
    <eos> and with sherpa-onnx's rules, and score; RESULTS.md gets both tables, and a re-run from
    stage 9 does nothing again."""
    an4 = build_tiny_an4(tmp_path / "corpus", fsdd_subset, per_speaker=6)
    results, exp = tmp_path / "RESULTS.md", tmp_path / "exp"
    args = ["--conf", "conf/ci_eos.yaml", "--corpus-dir", str(an4), "--num-dev", "4",
            "--data-dir", str(tmp_path / "data"), "--exp-dir", str(exp), "--results", str(results)]
    proc = run_recipe(RECIPE, args)
    assert_ok(proc)
    for stage in range(9, 18):
        assert f"Stage {stage}: " in proc.stdout
    for chunk in (16, 32):
        assert {p.name for p in (exp / "onnx_streaming" / f"chunk-{chunk}").iterdir()} >= {
            "encoder.onnx", "decoder.onnx", "joiner.onnx", "tokens.txt"}
    assert (tmp_path / "data" / "lang_bpe_eos" / "bpe.model").is_file() and not (tmp_path / "data" / "lang_bpe").exists()
    text = results.read_text()
    table = text.split("## Streaming vs full context, WER (%)")[1].split("##")[0]
    rows = [line.split(" | ") for line in table.splitlines() if line.startswith("| greedy_search") or
            line.startswith("| modified_beam_search")]
    assert len(rows) == 2 * 2 * 2  # searches x test sets x chunks
    for row in rows:
        torch_wer, sherpa_wer, full = (float(v) for v in row[3:6])
        assert abs(torch_wer - sherpa_wer) <= 0.3, row  # an <eos> in sherpa-onnx's text is no word either
        assert float(row[7].split()[0]) > 0 and float(row[8].rstrip(" |")) > 0  # RTF, ms a chunk
    targets = text.split("## Targets")[1]
    assert "sherpa-onnx streaming within 0.30 absolute of PyTorch streaming" in targets
    assert "streaming WER at 320 ms chunks within 15 % (relative) of full context" in targets
    assert "sherpa-onnx streaming RTF below 0.1 on 1 thread" in targets
    for w in ("0.0", "1.0"):
        assert (exp / f"eos_late_{w}" / "epoch-1.pt").is_file()
    assert (exp / "endpoints" / "metrics.tsv").is_file() and (exp / "endpoints" / "wer-vs-p90-test.png").is_file()
    table = text.split("## End-of-sentence endpointing")[1].split("###")[0]
    for system in ("eos-late-0.0", "eos-late-1.0", "rules-default", "rules-rule2-0.6"):
        for test in ("dev", "test"):
            assert f"| {system} | {test} | 0.5 |" in table, (system, test)
    assert "### Targets (endpointing; operating point chosen on dev)" in text
    again = run_recipe(RECIPE, args + ["--stage", "9"])
    assert_ok(again)
    # stages 9-12 and their scoring, the alignments, fine-tunings, endpoint decodes and RESULTS.md
    assert again.stdout.count("done already, skipping") >= 6 + 3 + 2 + 4 + 1


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
