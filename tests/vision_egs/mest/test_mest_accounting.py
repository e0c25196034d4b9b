"""Forgetting events on a toy sequence, the least-forgotten removal, the footprint arithmetic
against a hand count, and small-dense's parameter matching."""
import torch
from torch import nn

from vision_egs.mest.footprint import training_footprint
from vision_egs.mest.forgetting import ForgettingCounter
from vision_egs.mest.masks import MaskSet
from vision_egs.mest.models import build_model, parameter_count, small_dense_width
from vision_egs.mest.sparse_train import sparse_nonzero_count


def test_forgetting_counts_correct_to_incorrect_transitions():
    c = ForgettingCounter(4)
    # example 0: 1 0 1 0 -> forgotten twice; 1: 0 1 1 1 -> never; 2: never learned; 3: 1 0 1 1 -> once
    sequence = [[1, 0, 0, 1], [0, 1, 0, 0], [1, 1, 0, 1], [0, 1, 0, 1]]
    for row in sequence:
        c.update(torch.arange(4), torch.tensor(row, dtype=torch.bool))
    assert c.state["forgotten"].tolist() == [2, 0, 0, 1]
    assert c.state["learned"].tolist() == [True, True, False, True]
    assert c.least_forgotten(2).tolist() == [1, 3]  # the never-learned example 2 (0 events) is kept
    assert c.least_forgotten(10).tolist() == [1, 3, 0]


def test_forgetting_follows_presentations_of_subsets():
    c = ForgettingCounter(3)
    c.update(torch.tensor([2]), torch.tensor([True]))
    c.update(torch.tensor([0, 2]), torch.tensor([True, False]))  # example 2 forgotten, 1 not yet shown
    assert c.state["forgotten"].tolist() == [0, 0, 1]


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 8, 3, bias=False)  # 144 weights, GEMM 8 x 18
        self.fc = nn.Linear(8, 2)  # 18 parameters, dense


def hand_masks(scheme):
    model = Tiny()
    masks = MaskSet(model, {"conv": 0.75}, scheme)
    masks.random_init(torch.Generator().manual_seed(0))
    return model, masks


def test_footprint_against_hand_count():
    dense = 3 * 4 * (144 + 18)
    model, masks = hand_masks("unstructured")  # keeps 36 weights: CSR 36 column indices + 9 row pointers
    fp = training_footprint(model, masks)
    assert fp.dense_bytes == dense
    assert fp.bytes == 3 * 4 * (36 + 18) + 4 * (36 + 9)
    model, masks = hand_masks("block")  # 36 units of 4: keeps 9 blocks, 9 indices + 3 block-row pointers
    assert training_footprint(model, masks).bytes == 3 * 4 * (36 + 18) + 4 * (9 + 3)
    model, masks = hand_masks("channel")  # 2 channels, keeps round(0.5) -> 1 (at least one): 72 weights
    fp = training_footprint(model, masks, dense_gradient=True)
    assert fp.bytes == 3 * 4 * (72 + 18) + 4 * 1
    assert fp.update_bytes == fp.bytes + 4 * 144


def test_small_dense_matches_the_sparse_parameter_count():
    target = sparse_nonzero_count("resnet32", 0.5, "unstructured", 0.9)
    width = small_dense_width("resnet32", 0.5, target)
    assert width < 0.5
    assert abs(parameter_count(build_model("resnet32", width)) - target) / target < 0.1
