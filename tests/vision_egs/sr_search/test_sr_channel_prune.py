"""Structured channel pruning: the channels of smallest L1 norm go, the pruned WDSR-B is smaller and
its ONNX export computes what the masked (zeroed-channel) model computes, and the pruned widths are
what the latency model is asked about."""
import numpy as np
import pytest
import torch

from vision_egs.common.onnx_latency import export_onnx, session
from vision_egs.sr_search.channel_prune import kept_channels, kept_count, mask, prune, pruned_choice
from vision_egs.sr_search.models import WDSRB
from vision_egs.sr_search.supernet import SubnetChoice


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


@pytest.fixture
def net(randomise_weight_norm) -> WDSRB:
    torch.manual_seed(0)
    return randomise_weight_norm(WDSRB(2, features=8, widths=[12, 8, 16]).eval())


RATIOS = (0.5, 0.0, 0.75)


def test_the_channels_of_smallest_l1_norm_are_removed(net):
    keeps = kept_channels(net, RATIOS)
    assert [len(k) for k in keeps] == [6, 8, 4]
    for block, keep in zip(net.body, keeps):
        l1 = block.body[0].weight.detach().abs().sum(dim=(1, 2, 3))
        dropped = torch.ones(len(l1), dtype=torch.bool)
        dropped[keep] = False
        assert not dropped.any() or l1[keep].min() >= l1[dropped].max()
    assert kept_count(3, 0.9) == 1 and pruned_choice(SubnetChoice((12, 8, 16)), RATIOS) == SubnetChoice((6, 8, 4))
    with pytest.raises(ValueError, match="one ratio in"):
        prune(net, (0.5, 0.5))


def test_pruned_export_equals_the_masked_model_and_is_smaller(tmp_path, net):
    pruned, masked = prune(net, RATIOS), mask(net, RATIOS).eval()
    assert [b.body[0].out_channels for b in pruned.body] == [6, 8, 4]
    params = [sum(p.numel() for p in m.parameters()) for m in (net, pruned)]
    assert params[1] < params[0]
    path = tmp_path / "pruned.onnx"
    export_onnx(pruned, torch.rand(1, 3, 9, 11), path)  # torch.onnx.export with dynamo=False
    x = torch.rand(2, 3, 9, 11, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = masked(x).numpy()
        assert not np.allclose(net(x).numpy(), expected, atol=1e-4)  # the masking does change the output
        torch.testing.assert_close(pruned(x), masked(x), rtol=0, atol=1e-6)
    got = session(path, threads=1).run(None, {"input": x.numpy()})[0]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
