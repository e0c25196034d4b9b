"""RESULTS.md from measured files: the quiet-vs-clean relative target and the digit-free sets,
which have no WER (no reference words) and are reported as utterances given any output."""
from pathlib import Path

import pytest

from icefall_ext.decoding.scoring import paired_bootstrap_wer_difference, write_recogs, write_wer_summary
from icefall_ext.results import Baseline, RelativeTarget, ResultsConfig, build_report
from recipe_common.errors import InputError

METHODS = ["greedy_search", "modified_beam_search"]


def write_run(exp: Path, wers: dict, silence_hyps: dict) -> None:
    """wers: test -> (PyTorch, sherpa-onnx) WER for every method; silence_hyps: method -> hypotheses."""
    for method in METHODS:
        for t, (torch_wer, sherpa_wer) in wers.items():
            (exp / method).mkdir(parents=True, exist_ok=True)
            (exp / "onnx" / method).mkdir(parents=True, exist_ok=True)
            write_wer_summary(exp / method / f"wer-summary-{t}-epoch-8-avg-2.txt", "x", torch_wer)
            write_wer_summary(exp / "onnx" / method / f"wer-summary-{t}.txt", "x", sherpa_wer)
        hyps = silence_hyps[method]
        results = [(f"s{i}", [], h) for i, h in enumerate(hyps)]
        write_recogs(exp / method / "recogs-test_silence-epoch-8-avg-2.txt", results)
        write_wer_summary(exp / method / "wer-summary-test_silence-epoch-8-avg-2.txt", "x", 100.0 * sum(map(len, hyps)))
        write_recogs(exp / "onnx" / method / "recogs-test_silence.txt", [(f"s{i}", [], []) for i in range(len(hyps))])


def report(exp: Path, cfg: ResultsConfig) -> str:
    return build_report(exp, METHODS, ["test", "test_quiet", "test_silence"], "./run.sh", "t", cfg)


CFG = dict(relative_wer=[RelativeTarget("test_quiet", "test", 0.10)], silence_sets=["test_silence"],
           max_silence_output_share=0.0, max_sherpa_onnx_gap=0.5)


def test_quiet_within_ten_percent_and_silence_with_no_output(tmp_path):
    write_run(tmp_path, {"test": (2.0, 2.0), "test_quiet": (2.2, 2.2)}, {m: [[], [], []] for m in METHODS})
    text = report(tmp_path, ResultsConfig(**CFG))
    wer_table = text.split("## WER (%)")[1].split("##")[0]
    assert "test_quiet (PyTorch)" in wer_table and "test_silence" not in wer_table
    assert "| greedy_search | 0/3 (0 words) | 0/3 (0 words) |" in text
    assert "- test_quiet WER within 10 % (relative) of test's, PyTorch, every method: greedy_search 2.20 vs 2.00, " \
           "modified_beam_search 2.20 vs 2.00: met" in text
    assert "at most 0 % of the utterances given any output, PyTorch and sherpa-onnx, every method: worst 0.0 %: met" in text
    assert "largest gap over methods and sets: 0.00: met" in text  # the silence set's "WER" is not compared


def test_a_digit_on_silence_and_a_quiet_set_beyond_ten_percent_are_not_met(tmp_path):
    write_run(tmp_path, {"test": (2.0, 2.0), "test_quiet": (2.3, 2.3)},
              {"greedy_search": [["SEVEN"], [], []], "modified_beam_search": [[], [], []]})
    text = report(tmp_path, ResultsConfig(**CFG))
    assert "greedy_search 2.30 vs 2.00, modified_beam_search 2.30 vs 2.00: **NOT met**" in text
    assert "| greedy_search | 1/3 (1 words) | 0/3 (0 words) |" in text
    assert "worst 33.3 %: **NOT met**" in text


def write_decoded(exp: Path, results: list) -> None:
    for method in METHODS:
        (exp / method).mkdir(parents=True, exist_ok=True)
        write_recogs(exp / method / "recogs-test-epoch-8-avg-2.txt", results)
        write_wer_summary(exp / method / "wer-summary-test-epoch-8-avg-2.txt", "x", 0.0)


def test_a_run_against_its_baseline_with_a_paired_interval(tmp_path, monkeypatch):
    refs = [(f"u{i}", ["ONE", "TWO", "THREE", "FOUR", "FIVE"]) for i in range(20)]
    base = [(u, r, r) for u, r in refs[:-1]] + [(refs[-1][0], refs[-1][1], ["ONE"])]  # 4 errors in 100 words
    write_decoded(tmp_path / "exp" / "full", base)
    monkeypatch.chdir(tmp_path)  # baseline.exp_dir is relative to the recipe directory
    cfg = ResultsConfig(baseline=Baseline("exp/full", "the full-sum loss", 0.03))
    write_decoded(tmp_path / "exp" / "same", base)
    text = build_report(tmp_path / "exp" / "same", METHODS, ["test"], "./run.sh", "t", cfg)
    assert "| greedy_search | test | 4.00 | 4.00 | +0.00 [+0.00, +0.00] | +0.0 % |" in text
    assert "- WER within 3 % (relative) of the full-sum loss's, PyTorch, every method and test set: met" in text
    worse = [(u, r, r[:-1]) for u, r in refs]  # one deletion per utterance: 20 errors
    write_decoded(tmp_path / "exp" / "worse", worse)
    text = build_report(tmp_path / "exp" / "worse", METHODS, ["test"], "./run.sh", "t", cfg)
    row = next(line for line in text.splitlines() if line.startswith("| modified_beam_search | test |"))
    low = float(row.split("[")[1].split(",")[0])
    assert "| 4.00 | 20.00 | +16.00 [" in row and low > 0  # the interval excludes no difference
    assert "every method and test set: **NOT met**" in text


def test_the_paired_bootstrap_refuses_other_utterances():
    a = [("u1", ["A"], ["A"]), ("u2", ["B"], ["B"])]
    with pytest.raises(InputError, match="different utterances"):
        paired_bootstrap_wer_difference(a, a[:1])
    with pytest.raises(InputError, match="other references"):
        paired_bootstrap_wer_difference(a, [("u1", ["A"], ["A"]), ("u2", ["C"], ["B"])])


def test_streaming_table_and_targets_from_measured_files(tmp_path):
    """The streaming rows beside full context, and the three streaming targets, from the files the
    streaming stages write (decoding/streaming_files.py); a missing sherpa-onnx file is not measured."""
    from icefall_ext.decoding.streaming_files import StreamingTiming, write_timing
    from icefall_ext.results import StreamingTargets

    for method in METHODS:
        for d in (tmp_path / method, tmp_path / f"streaming_{method}", tmp_path / "onnx_streaming" / method):
            d.mkdir(parents=True, exist_ok=True)
        write_wer_summary(tmp_path / method / "wer-summary-test-full-context-epoch-8-avg-2.txt", "x", 10.0)
        for chunk, wer in ((16, 12.0), (32, 11.0)):
            write_wer_summary(tmp_path / f"streaming_{method}" / f"wer-summary-test-chunk-{chunk}-epoch-8-avg-2.txt",
                              "x", wer)
            write_wer_summary(tmp_path / "onnx_streaming" / method / f"wer-summary-test-chunk-{chunk}.txt", "x", wer + 0.1)
            write_timing(tmp_path / "onnx_streaming" / method / f"timing-test-chunk-{chunk}.json",
                         StreamingTiming(0.5, 10.0, 1, 100, 0.2))
    cfg = ResultsConfig(streaming=StreamingTargets(chunk_frames=32, max_relative_to_full_context=0.15,
                                                   max_sherpa_onnx_gap=0.3, max_rtf=0.1))
    text = build_report(tmp_path, METHODS, ["test"], "./run.sh", "t", cfg, None, METHODS, [16, 32])
    table = text.split("## Streaming vs full context")[1].split("##")[0]
    assert "| greedy_search | test | 32 frames (320 ms) | 11.00 | 11.10 | 10.00 | +10.0 % | 0.0500 (1) | 2.00 |" in table
    targets = text.split("## Targets")[1]
    assert "streaming WER at 320 ms chunks within 15 % (relative) of full context" in targets
    assert "worst +10.0 %: met" in targets
    assert "largest gap over chunks, searches and sets: 0.10: met" in targets
    assert "RTF below 0.1 on 1 thread, worst: 0.0500: met" in targets
    cfg.streaming.max_relative_to_full_context = 0.05
    (tmp_path / "onnx_streaming" / "greedy_search" / "wer-summary-test-chunk-16.txt").unlink()
    targets = build_report(tmp_path, METHODS, ["test"], "./run.sh", "t", cfg, None, METHODS, [16, 32]).split("## Targets")[1]
    assert "worst +10.0 %: **NOT met**" in targets and "sets: –: not measured" in targets
    # a full-context model reports no streaming section
    assert "Streaming" not in build_report(tmp_path, METHODS, ["test"], "./run.sh", "t", cfg)
