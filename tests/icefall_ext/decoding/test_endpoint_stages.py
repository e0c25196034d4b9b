"""The pieces of the endpointing stages: every endpointer is fed the cut's audio with the same
trailing noise and measured against the end of its last aligned word (a cut without alignment is
one line); the endpoints files read back what was written; sherpa-onnx's <eos> is no word; the
operating point is the lowest-latency penalty within the dev WER and early-cutoff limits, and
the RESULTS section says met / NOT met from the numbers."""
import math

import numpy as np
import pytest
import soundfile as sf
from lhotse import Recording, SupervisionSegment
from lhotse.supervision import AlignmentItem
from lhotse.cut import MonoCut

from icefall_ext.asr_config import EndpointingConfig
from icefall_ext.decoding.endpoint_audio import audio_with_silence, reference_end
from icefall_ext.decoding.endpoint_files import read_endpoints, write_endpoints
from icefall_ext.decoding.endpoint_metrics import Endpointed
from icefall_ext.endpoint_results import EndpointRow, operating_point, report_lines
from icefall_ext.tokens.bpe import recognised_words
from recipe_common.errors import InputError


def aligned_cut(tmp_path, words=(("HELLO", 0.1, 0.3), ("THERE", 0.45, 0.25))) -> MonoCut:
    path = tmp_path / "a.wav"
    sf.write(path, np.random.default_rng(0).standard_normal(16000).astype(np.float32) * 0.1, 16000)
    rec = Recording.from_file(path, recording_id="a")
    sup = SupervisionSegment("a", "a", 0.0, 1.0, text="HELLO THERE",
                             alignment={"word": [AlignmentItem(w, s, d) for w, s, d in words]} if words else None)
    return MonoCut("a", 0.0, 1.0, 0, recording=rec, supervisions=[sup])


def test_the_audio_gets_the_same_trailing_noise_every_time_and_the_reference_is_the_last_word_end(tmp_path):
    cut = aligned_cut(tmp_path)
    a, b = audio_with_silence(cut, 0.5), audio_with_silence(cut, 0.5)
    assert len(a) == 16000 + 8000 and np.array_equal(a, b) and np.array_equal(a[:16000], cut.load_audio()[0])
    assert reference_end(cut) == pytest.approx(0.7)
    with pytest.raises(InputError, match="cut a: no word alignment"):
        reference_end(aligned_cut(tmp_path, words=None))


def test_endpoints_files_read_back_what_was_written(tmp_path):
    rows = [Endpointed("b", ["ONE"], [], ref_end=0.5, endpoint=None),
            Endpointed("a", ["TWO", "THREE"], ["TWO"], ref_end=1.25, endpoint=1.125, dropped_words=2)]
    write_endpoints(tmp_path / "e.tsv", rows)
    assert read_endpoints(tmp_path / "e.tsv") == sorted(rows, key=lambda r: r.cut_id)
    (tmp_path / "bad.tsv").write_text("cut_id\tref\nx\ty\n")
    with pytest.raises(InputError, match="bad.tsv: not an endpoints file"):
        read_endpoints(tmp_path / "bad.tsv")


def test_an_eos_in_sherpa_onnx_text_is_no_word():
    assert recognised_words("HELLO THERE<eos> AGAIN") == ["HELLO", "THERE", "AGAIN"]


def row(system, test, p50, p90, early, wer, silence=0.5):
    return EndpointRow(system, test, silence, {"latency_p50": p50, "latency_p90": p90, "early_cutoff_rate": early,
                                               "no_endpoint_rate": 0.0, "wer": wer, "dropped_words": 0.0,
                                               "utterances": 100.0})


def test_the_operating_point_is_the_fastest_penalty_within_the_dev_limits():
    rows = [row("eos-late-0.0", "dev", 0.50, 0.9, 0.00, 10.0),
            row("eos-late-0.5", "dev", 0.30, 0.6, 0.01, 10.3),   # within 5 %, 1 % early
            row("eos-late-1.0", "dev", 0.20, 0.4, 0.01, 11.0),   # WER +10 %: out
            row("eos-late-2.0", "dev", 0.10, 0.2, 0.05, 10.0)]   # 5 % early: out
    assert operating_point(rows, [0.0, 0.5, 1.0, 2.0], [0.5], 0.05, 0.02) == 0.5
    assert operating_point(rows, [0.0, 1.0, 2.0], [0.5], 0.05, 0.02) is None
    assert operating_point(rows[:1], [0.0, 0.5], [0.5], 0.05, 0.02) is None  # not decoded


def test_the_results_section_computes_each_target_from_the_rows():
    cfg = EndpointingConfig(late_scales=[0.0, 0.5], rule2_sweep=[0.6], trailing_silence=[0.5])
    rows = [row("eos-late-0.0", "dev", 0.50, 0.9, 0.00, 10.0), row("eos-late-0.5", "dev", 0.30, 0.6, 0.01, 10.3),
            row("eos-late-0.0", "test", 0.50, 1.0, 0.00, 12.0), row("eos-late-0.5", "test", 0.25, 0.7, 0.01, 12.2),
            row("rules-default", "test", 1.3, 1.5, 0.01, 12.0)]
    text = "\n".join(report_lines(rows, ["dev", "test"], cfg))
    assert "| eos-late-0.5 | test | 0.5 | 0.25 | 0.70 | 1.0 | 0.0 | 12.20 | 0 |" in text
    assert "operating point: late weight 0.5" in text
    assert "median latency 0.50 -> 0.25 s (50 % cut, target >= 40 %), WER +1.7 % relative, early cutoffs 1.0 %: **met**" in text
    assert "p90 latency 0.70 s against sherpa-onnx's default rules' 1.50 s, early cutoffs 1.0 % against 1.0 %: **met**" in text
    slow = rows[:3] + [row("eos-late-0.5", "test", 0.45, 0.9, 0.01, 12.2), rows[4]]
    assert "(10 % cut, target >= 40 %), WER +1.7 % relative, early cutoffs 1.0 %: **NOT met**" in "\n".join(
        report_lines(slow, ["dev", "test"], cfg))
    assert math.isnan(row("x", "t", float("nan"), 0, 0, 0).metrics["latency_p50"])
    with pytest.raises(ValueError, match="late_scales must hold 0.0"):
        EndpointingConfig(late_scales=[0.5])
