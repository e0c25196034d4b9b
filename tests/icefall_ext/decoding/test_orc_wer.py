"""ORC-WER through meeteval on cases counted by hand."""
import pytest

from icefall_ext.decoding.orc_wer import score_by_overlap, score_mixture, score_set
from recipe_common.errors import InputError


def test_each_reference_on_its_own_channel_in_either_order():
    same = score_mixture(["a b c", "d e"], ["a b c", "d e"])
    assert (same.errors, same.length, same.assignments) == (0, 5, [(0, 1)])
    swapped = score_mixture(["a b c", "d e"], ["d e", "a b c"])
    assert (swapped.errors, swapped.assignments) == (0, [(1, 0)])


def test_the_best_assignment_puts_both_references_on_one_channel():
    # Both talkers on channel 0, in start order; channel 1 says nothing: zero errors only if
    # the two references are concatenated on channel 0 (any split costs 4 words).
    score = score_mixture(["a b", "c d"], ["a b c d", ""])
    assert (score.errors, score.length, score.assignments) == (0, 4, [(0, 0)])


def test_errors_by_kind():
    # channel 0: "a b c" -> "a x c" is 1 substitution; channel 1: "d e" -> "d" is 1 deletion;
    # the crossed assignment costs more (3 + 2 words misaligned).
    score = score_mixture(["a b c", "d e"], ["a x c", "d"])
    assert (score.errors, score.substitutions, score.deletions, score.insertions, score.length) == (2, 1, 1, 0, 5)
    assert score.rate == pytest.approx(0.4)


def test_a_set_sums_errors_and_reference_words():
    total = score_set({"m1": (["a b c", "d e"], ["a x c", "d"]), "m2": (["f g", "h i j"], ["h i j", "f g z"])})
    assert (total.errors, total.length, total.mixtures) == (3, 10, 2)  # 2 + 1 insertion over 5 + 5 words
    assert total.rate == pytest.approx(0.3)


def test_bins_by_overlap_ratio_and_all():
    bins = score_by_overlap(
        {"m1": (0.05, ["a b"], ["a b", ""]), "m2": (0.15, ["a b", "c d"], ["a", "c d"]),
         "m3": (0.5, ["a b", "c d"], ["a b", "c d"]), "m4": (1.0, ["a"], ["b", ""])},
        edges=(0.0, 0.1, 0.2, 1.0),
    )
    assert list(bins) == ["0-0.1", "0.1-0.2", "0.2-1", "all"]
    assert [(b.errors, b.length, b.mixtures) for b in bins.values()] == [(0, 2, 1), (1, 4, 1), (1, 5, 2), (2, 11, 4)]


def test_bad_input_is_one_line():
    with pytest.raises(InputError, match="at least one hypothesis channel"):
        score_mixture(["a"], [])
    with pytest.raises(InputError, match="mixture 'm2' has 3 hypothesis channels"):
        score_set({"m1": (["a"], ["a", ""]), "m2": (["a"], ["a", "", ""])})
    with pytest.raises(InputError, match="outside the bins"):
        score_by_overlap({"m": (1.5, ["a"], ["a"])})
    with pytest.raises(ValueError, match="increasing"):
        score_by_overlap({}, edges=(0.0, 0.0))
