"""The decoding-method registry and icefall's result files written and read back."""
import pytest
import torch

from icefall_ext.decoding import search
from icefall_ext.decoding.scoring import (
    Rtf, read_recogs, read_rtf, read_wer_summary, score_decode_dir, write_recogs, write_rtf, write_wer_summary,
)
from icefall_ext.decoding.search import SearchOptions, check_methods, decode_features, method_names
from icefall_ext.models.conformer import ConformerConfig
from icefall_ext.models.transducer import Transducer, TransducerConfig
from recipe_common.errors import InputError


def test_the_builtin_methods_and_which_sherpa_onnx_runs():
    assert method_names()[:2] == ["greedy_search", "modified_beam_search"]
    assert set(method_names(sherpa_onnx=True)) >= {"greedy_search", "modified_beam_search"}
    with pytest.raises(InputError, match="conf.yaml: unknown decoding method 'beam' \\(known: greedy_search"):
        check_methods(["greedy_search", "beam"], "conf.yaml")


def test_a_registered_method_is_dispatched_with_the_options(monkeypatch):
    seen = {}

    def longest_frame(model, enc, lens, opts):
        seen["beam"], seen["frames"] = opts.beam, lens.tolist()
        return [[1] * int(n) for n in lens]

    monkeypatch.setattr(search, "_METHODS", dict(search._METHODS))
    search.register_method("test_longest_frame", longest_frame)
    assert "test_longest_frame" in method_names() and "test_longest_frame" not in method_names(sherpa_onnx=True)
    cfg = TransducerConfig(encoder=ConformerConfig(num_features=8, d_model=8, num_layers=1, num_heads=2, feedforward_dim=8),
                           decoder_dim=4, joiner_dim=4)
    hyps = decode_features(Transducer(cfg, 5).eval(), torch.randn(2, 40, 8), torch.tensor([40, 20]),
                           "test_longest_frame", SearchOptions(beam=7))
    assert seen["beam"] == 7 and [len(h) for h in hyps] == seen["frames"]
    with pytest.raises(ValueError, match="registered twice"):
        search.register_method("test_longest_frame", longest_frame)


def test_result_files_round_trip(tmp_path):
    results = [("u2", ["A", "B"], ["A"]), ("u1", ["C"], ["C", "D"]), ("u3", ["it's", "x"], [])]
    write_recogs(tmp_path / "greedy_search" / "recogs-test-epoch-3-avg-2.txt", results)
    assert sorted(read_recogs(tmp_path / "greedy_search" / "recogs-test-epoch-3-avg-2.txt")) == sorted(results)
    [(name, wer)] = score_decode_dir(tmp_path / "greedy_search")
    assert name == "test-epoch-3-avg-2" and wer == pytest.approx(100 * 4 / 5)  # 1 del + 1 ins + 2 del over 5 words
    assert read_wer_summary(tmp_path / "greedy_search" / "wer-summary-test-epoch-3-avg-2.txt") == pytest.approx(80.0)
    errs = (tmp_path / "greedy_search" / "errs-test-epoch-3-avg-2.txt").read_text()
    assert "%WER = 80.00" in errs and "1 insertions, 3 deletions, 0 substitutions" in errs
    write_wer_summary(tmp_path / "s.txt", "beam", 12.345)
    assert read_wer_summary(tmp_path / "s.txt") == 12.35 and read_wer_summary(tmp_path / "absent.txt") is None
    write_rtf(tmp_path / "rtf.txt", Rtf(2.0, 100.0, 1))
    r = read_rtf(tmp_path / "rtf.txt")
    assert (r.decoding_seconds, r.audio_seconds, r.num_threads) == (2.0, 100.0, 1) and r.rtf == pytest.approx(0.02)


def test_malformed_result_files_are_named(tmp_path):
    (tmp_path / "recogs-x.txt").write_text("u1 A B\n")
    with pytest.raises(InputError, match="recogs-x.txt:1: expected"):
        read_recogs(tmp_path / "recogs-x.txt")
    (tmp_path / "w.txt").write_text("nothing here\n")
    with pytest.raises(InputError, match="w.txt: not a wer-summary file"):
        read_wer_summary(tmp_path / "w.txt")
    with pytest.raises(InputError, match="no recogs"):
        score_decode_dir(tmp_path / "empty")
