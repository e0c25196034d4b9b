"""vision_egs.common statistics: Wilson intervals, exact McNemar and Wilcoxon tests against values
computed by hand, and the per-image files the RESULTS writers read."""
import math

import numpy as np
import pytest
import torch

from recipe_common.errors import InputError
from vision_egs.common.metrics import mcnemar_exact, wilcoxon_paired, wilson_interval
from vision_egs.common.results import accuracy_cell, read_per_image, write_per_image


def pairs(b, c, both_right=3, both_wrong=2):
    """Correctness vectors of two models with b images only A gets right and c only B does."""
    a = [True] * b + [False] * c + [True] * both_right + [False] * both_wrong
    bb = [False] * b + [True] * c + [True] * both_right + [False] * both_wrong
    return a, bb


@pytest.mark.parametrize("correct, total, expected", [
    (0, 10, (0.0, 0.0, 0.2775)),  # z²/(n+z²) = 3.8415 / 13.8415
    (10, 10, (1.0, 0.7225, 1.0)),
    (5, 10, (0.5, 0.2366, 0.7634)),
    (453, 1000, (0.453, 0.4224, 0.4840)),
])
def test_wilson_interval_matches_hand_computed_values(correct, total, expected):
    assert wilson_interval(correct, total) == pytest.approx(expected, abs=1e-4)


def test_wilson_interval_of_no_images_is_everything():
    p, low, high = wilson_interval(0, 0)
    assert math.isnan(p) and (low, high) == (0.0, 1.0)


def test_accuracy_cell_prints_the_interval_beside_the_accuracy():
    assert accuracy_cell([True] * 453 + [False] * 547) == "45.3 [42.2, 48.4]"
    assert accuracy_cell([True, False], ".2f") == "50.00 [9.45, 90.55]"


@pytest.mark.parametrize("b, c, p", [
    (0, 5, 0.0625),  # 2 / 2^5
    (1, 9, 0.021484375),  # 2 (1 + 10) / 2^10
    (9, 1, 0.021484375),
    (4, 4, 1.0),
    (0, 0, 1.0),  # no discordant pair
    (3, 12, 2 * sum(math.comb(15, k) for k in range(4)) / 2**15),
])
def test_mcnemar_exact_matches_the_binomial_sum(b, c, p):
    test = mcnemar_exact(*pairs(b, c))
    assert (test.b, test.c, test.n) == (b, c, b + c + 5)
    assert test.p == pytest.approx(p, rel=1e-12)
    assert test.difference_points == pytest.approx(100 * (c - b) / (b + c + 5))


def test_mcnemar_difference_of_a_whole_point_is_exact_and_lengths_must_match():
    a, b = pairs(3, 0, both_right=200, both_wrong=97)  # 300 images, 3 lost
    assert mcnemar_exact(a, b).difference_points == -1.0
    with pytest.raises(ValueError, match="different lengths"):
        mcnemar_exact([True, False], [True])


def test_wilcoxon_paired_against_the_exact_signed_rank_distribution():
    a = np.zeros(6)
    # five positive differences (the zero is dropped): rank sum 15 of 15, P = 2 / 2^5 both sides
    assert wilcoxon_paired(a, [0, 0.1, 0.2, 0.3, 0.4, 0.5]) == pytest.approx(0.0625)
    assert wilcoxon_paired([0.2, 0.5, 0.1], [0.2, 0.5, 0.1]) == 1.0
    with pytest.raises(ValueError, match="different lengths"):
        wilcoxon_paired([0.1], [0.1, 0.2])


def test_per_image_files_round_trip_and_a_missing_one_is_one_line(tmp_path):
    path = tmp_path / "eval" / "per_image.json"
    write_per_image(path, {"dense": torch.tensor([True, False, True]), "iou": torch.tensor([0.25, 0.5])})
    back = read_per_image(path, "stage 4")
    assert back["dense"].tolist() == [1, 0, 1] and back["iou"].tolist() == [0.25, 0.5]
    assert [p.name for p in path.parent.iterdir()] == ["per_image.json"]  # no temporary file left
    with pytest.raises(InputError, match=r"missing.json: no per-image results \(run stage 4 again\)"):
        read_per_image(tmp_path / "missing.json", "stage 4")
