"""Per-channel <eos> endpoints against each speaker's reference end, references placed by ORC-WER."""
import pytest

from icefall_ext.decoding.endpoint_metrics import endpoint_metrics
from icefall_ext.decoding.orc_wer import score_mixture
from icefall_ext.decoding.surt_endpoints import channel_endpoints, split_at_eos
from recipe_common.errors import InputError

EOS = 9
WORDS = {1: "a", 2: "b", 3: "c", 4: "d"}


def decode(ids):
    return " ".join(WORDS[i] for i in ids)


def test_a_channel_splits_at_each_eos():
    assert split_at_eos([1, 2, EOS, 3, EOS, 4], [0, 1, 3, 5, 6, 8], EOS) == [([1, 2], 3), ([3], 6), ([4], None)]
    assert split_at_eos([EOS], [2], EOS) == [([], 2)]
    assert split_at_eos([], [], EOS) == []


def test_references_follow_the_orc_assignment_and_give_latencies():
    # Channel 0 says "c d" (the second talker) and ends it at frame 9; channel 1 says "a b", <eos> at 4.
    channels = [([3, 4, EOS], [6, 8, 9]), ([1, 2, EOS], [1, 2, 4])]
    refs = [("a b", 0.12), ("c d", 0.30)]
    assignment = score_mixture([t for t, _ in refs], [decode([i for i in toks if i != EOS]) for toks, _ in channels]).assignments[0]
    assert assignment == (1, 0)
    rows = channel_endpoints("m", channels, refs, assignment, EOS, decode, frame_seconds=0.04)
    assert [(r.cut_id, r.hyp_words, r.endpoint) for r in rows] == [("m/0", ["a", "b"], pytest.approx(0.2)),
                                                                    ("m/1", ["c", "d"], pytest.approx(0.4))]
    metrics = endpoint_metrics(rows)
    assert metrics["latency_p50"] == pytest.approx(0.09) and metrics["wer"] == 0.0  # latencies 0.08 and 0.10


def test_two_references_on_one_channel_take_its_utterances_in_order():
    channels = [([1, EOS, 3, 4], [0, 2, 5, 6]), ([], [])]
    rows = channel_endpoints("m", channels, [("a", 0.05), ("c d", 0.3)], (0, 0), EOS, decode, 0.04)
    assert [(r.hyp_words, r.endpoint) for r in rows] == [(["a"], pytest.approx(0.12)), (["c", "d"], None)]
    assert endpoint_metrics(rows)["no_endpoint_rate"] == 0.5


def test_a_bad_assignment_is_one_line():
    with pytest.raises(InputError, match="1 assigned channels for 2 references"):
        channel_endpoints("m", [([], [])], [("a", 0.1), ("b", 0.2)], (0,), EOS, decode, 0.04)
    with pytest.raises(InputError, match="names a channel outside 0..1"):
        channel_endpoints("m", [([], []), ([], [])], [("a", 0.1)], (2,), EOS, decode, 0.04)
