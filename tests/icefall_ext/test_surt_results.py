"""SURT scoring on hand-made decodes: ORC-WER per overlap bin, the single-talker utterances, per-channel
endpoint latency under the ORC assignment; the decode file round trip and a malformed line."""
import pytest

from icefall_ext.asr_config import SurtRecipeConfig
from icefall_ext.decoding.surt_files import Channel, DecodedMixture, Reference, read_decoded, write_decoded
from icefall_ext.surt_results import report_lines, score_decoded, training_lines
from recipe_common.errors import InputError

WORDS = {3: "A", 4: "B", 5: "C"}
EOS = 2


def decode(ids):
    return " ".join(WORDS[i] for i in ids if i in WORDS)


def mixture(overlap=0.25):
    refs = [Reference("ann", 0.0, 0.10, "A B"), Reference("bob", 0.05, 0.15, "C")]
    # channel 0 holds bob's words, channel 1 ann's: the ORC assignment finds it
    return DecodedMixture("m1", 0.3, overlap, refs, [Channel([5, EOS], [3, 5]), Channel([3, 4, EOS], [1, 2, 4])])


def single():
    return DecodedMixture("s1", 0.2, 0.0, [Reference("ann", 0.0, 0.1, "A")], [Channel([3, EOS], [1, 2]), Channel([4], [3])])


def test_scores_of_a_hand_made_decode():
    scores = score_decoded([mixture()], [single()], [0.0, 0.2, 1.0], decode, EOS)
    assert list(scores.by_overlap) == ["0-0.2", "0.2-1", "all"]
    assert scores.by_overlap["0.2-1"].errors == 0 and scores.by_overlap["0.2-1"].length == 3
    assert scores.by_overlap["0-0.2"].mixtures == 0 and scores.by_overlap["all"].assignments == [(1, 0)]
    assert scores.singles.errors == 1 and scores.singles.insertions == 1 and scores.singles.rate == 1.0
    # ann's <eos> at frame 4 ends at 0.20 s (0.10 late), bob's at frame 5 at 0.24 s (0.09 late)
    assert scores.endpoints["latency_p50"] == pytest.approx(0.095)
    assert scores.endpoints["early_cutoff_rate"] == 0 and scores.endpoints["no_endpoint_rate"] == 0

    late = mixture()
    late.channels[1] = Channel([3, 4], [1, 2])  # ann's channel never says <eos>
    e = score_decoded([late], [single()], [0.0, 1.0], decode, EOS).endpoints
    assert e["no_endpoint_rate"] == 0.5 and e["latency_p50"] == pytest.approx(0.09)

    lines = "\n".join(report_lines({0.0: scores, 1.0: scores}, 50.0, SurtRecipeConfig(), 1e-6, True))
    assert "0.00 (0.00 x): met" in lines and "(0.0 %): **NOT met**" in lines  # no latency cut at equal scores
    assert "greedy tokens the same on every checked mixture: met" in lines


def test_a_reference_without_alignment_is_one_line():
    bare = mixture()
    bare.references[0].end = None
    with pytest.raises(InputError, match="mixture 'm1': a reference without a word alignment"):
        score_decoded([bare], [single()], [0.0, 1.0], decode, EOS)


def test_decode_files_round_trip_and_a_malformed_line(tmp_path):
    path = tmp_path / "decode" / "mix_test.jsonl"
    write_decoded(path, [mixture(), single()])
    assert read_decoded(path) == [mixture(), single()]
    path.write_text(path.read_text() + '{"id": "m2"}\n')
    with pytest.raises(InputError, match=r"mix_test.jsonl:3: not a SURT decode record"):
        read_decoded(path)
    with pytest.raises(InputError, match="no SURT decode here"):
        read_decoded(tmp_path / "none.jsonl")


def test_training_lines_read_the_last_epoch_and_a_missing_history_is_one_line():
    history = [{"epoch": "1", "step": "10", "train_wall_s": "60", "train_loss": "1.5", "valid_loss": "2.0", "device": "cpu x1"},
               {"epoch": "2", "step": "20", "train_wall_s": "150", "train_loss": "1.0", "valid_loss": "1.25", "device": "cpu x1"}]
    lines = training_lines({1.0: history, 0.0: history[:1]})
    assert lines[4].startswith("| 0 | 1 | 10 | 1.0 |") and lines[5].startswith("| 1 | 2 | 20 | 2.5 |")
    assert lines[5].endswith("| 1.0000 / 1.2500 |")
    with pytest.raises(InputError, match="late weight 0.5: no training history"):
        training_lines({0.5: []})
