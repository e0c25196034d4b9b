"""The supernet: an extracted sub-network computes what the supernet computes with that choice, the
largest choice is the full WDSR-B, weight normalisation under slicing, weight sharing (a sub-network's
gradient reaches only its own channels and blocks), the sandwich sampler, and choices outside the
space refused in one line."""
import random

import pytest
import torch
from torch import nn

from recipe_common.errors import InputError
from vision_egs.sr_search.models import WDSRB
from vision_egs.sr_search.supernet import SearchSpace, SubnetChoice, Supernet, sandwich

SPACE = SearchSpace(widths=(4, 8, 12), min_depth=1, max_depth=3, features=8)


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


@pytest.fixture
def supernet(randomise_weight_norm):
    def build(scale: int = 2) -> Supernet:
        torch.manual_seed(0)
        return randomise_weight_norm(Supernet(scale, SPACE).eval())

    return build


CHOICES = [SPACE.largest(), SPACE.smallest(), SubnetChoice((12, 4)), SubnetChoice((4, 12, 8))]


@pytest.mark.parametrize("scale", [2, 4])
@pytest.mark.parametrize("choice", CHOICES, ids=str)
def test_extracted_subnetwork_equals_the_supernet_with_that_choice(choice, scale, supernet):
    net = supernet(scale)
    sub = net.extract(choice).eval()
    assert isinstance(sub, WDSRB) and [b.body[0].out_channels for b in sub.body] == list(choice.widths)
    x = torch.rand(2, 3, 6, 7)
    with torch.no_grad():
        expected = net(x, choice)
        assert expected.shape == (2, 3, 6 * scale, 7 * scale)
        torch.testing.assert_close(sub(x), expected, rtol=0, atol=1e-6)


def test_largest_choice_is_the_full_wdsr_b(supernet):
    net = supernet()
    x = torch.rand(1, 3, 5, 5)
    with torch.no_grad():
        torch.testing.assert_close(net(x, SPACE.largest()), net.net(x), rtol=0, atol=1e-6)


def test_a_subnetwork_slices_the_direction_and_keeps_g_so_its_linear_conv_is_weight_normalised(supernet):
    net = supernet()
    full = [conv.parametrizations.weight for conv in net.net.body[0].body if isinstance(conv, nn.Conv2d)]
    block = net.extract(SubnetChoice((4,))).body[0].body
    expand, linear = block[0].parametrizations.weight, block[2].parametrizations.weight
    assert all(hasattr(conv, "parametrizations") for conv in block if isinstance(conv, nn.Conv2d))
    assert torch.equal(expand.original0, full[0].original0[:4]) and torch.equal(expand.original1, full[0].original1[:4])
    assert torch.equal(linear.original0, full[1].original0) and torch.equal(linear.original1, full[1].original1[:, :4])
    with torch.no_grad():  # rows of norm |g| at the sub-network's width, unlike the slice of the full weight
        g = full[1].original0.flatten().abs()
        torch.testing.assert_close(block[2].weight.flatten(1).norm(dim=1), g)
        assert (net.net.body[0].body[2].weight[:, :4].flatten(1).norm(dim=1) < g - 1e-3).all()


def test_a_subnetwork_trains_only_its_own_channels_and_blocks(supernet):
    net = supernet().train()
    choice = SubnetChoice((4, 8))
    net(torch.rand(1, 3, 5, 5), choice).square().mean().backward()
    blocks = net.net.body
    for i, width in enumerate(choice.widths):
        g_grad = blocks[i].body[0].parametrizations.weight.original0.grad.flatten()
        assert g_grad[:width].abs().sum() > 0 and g_grad[width:].abs().sum() == 0
        v_grad = blocks[i].body[2].parametrizations.weight.original1.grad
        assert v_grad[:, :width].abs().sum() > 0 and v_grad[:, width:].abs().sum() == 0
    assert all(p.grad is None for p in blocks[2].parameters())


def test_sandwich_takes_largest_smallest_and_seeded_random_choices():
    choices = sandwich(SPACE, random.Random(3), n_random=3)
    assert choices[:2] == [SubnetChoice((12, 12, 12)), SubnetChoice((4,))] and len(choices) == 5
    for c in choices:
        SPACE.check(c)
    assert sandwich(SPACE, random.Random(3), n_random=3) == choices
    many = {SPACE.sample(random.Random(seed)) for seed in range(40)}
    assert {c.depth for c in many} == {1, 2, 3} and {w for c in many for w in c.widths} == {4, 8, 12}


def test_a_choice_outside_the_space_is_a_one_line_error(supernet):
    net = supernet()
    message = r"sub-network d2:12-6 is outside the search space \(depth 1..3, widths 4, 8, 12\)"
    with pytest.raises(InputError, match=message):
        net(torch.rand(1, 3, 4, 4), SubnetChoice((12, 6)))
    with pytest.raises(InputError, match="d4:4-4-4-4 is outside"):
        net.extract(SubnetChoice((4,) * 4))
    with pytest.raises(ValueError, match="increasing"):
        SearchSpace(widths=(8, 4))
