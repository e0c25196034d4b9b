"""The SR baselines: output shapes at x2 and x4, FSRCNN's published weight counts and ESPCN's count
from its stated layers, WDSR-B's weight normalisation and global skip, the registry's errors, and an
ONNX export of each that ONNX Runtime runs to PyTorch's output."""
import numpy as np
import pytest
import torch
from torch import nn

from recipe_common.errors import InputError
from vision_egs.common.onnx_latency import export_onnx, session
from vision_egs.sr_search.models import ESPCN, FSRCNN, SR_MODELS, WDSRB, build_sr_model


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


def small(name: str, scale: int) -> nn.Module:
    torch.manual_seed(0)
    return build_sr_model(name, scale, **({"blocks": 2} if name == "wdsr_b" else {})).eval()


@pytest.mark.parametrize("scale", [2, 4])
@pytest.mark.parametrize("name", list(SR_MODELS))
def test_output_is_scale_times_the_input(name, scale):
    with torch.no_grad():
        assert small(name, scale)(torch.rand(2, 3, 7, 9)).shape == (2, 3, 7 * scale, 9 * scale)


def conv_weights(model: nn.Module) -> int:
    return sum(m.weight.numel() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)))


def test_fsrcnn_has_the_papers_weight_counts_on_y():
    """Dong et al. 2016 count weights on the Y channel, biases and PReLU slopes aside: FSRCNN (56, 12, 4)
    12,464 and FSRCNN-s (32, 5, 1) 3,937, at every scale (the 9x9 deconvolution's size does not depend on it)."""
    for scale in (2, 4):
        assert conv_weights(FSRCNN(scale, channels=1)) == 12464
        assert conv_weights(FSRCNN(scale, channels=1, d=32, s=5, m=1)) == 3937
    assert conv_weights(FSRCNN(2)) == 5 * 5 * 3 * 56 + 56 * 12 + 4 * 9 * 12 * 12 + 12 * 56 + 9 * 9 * 56 * 3


def test_espcn_has_the_count_of_its_stated_layers():
    """Shi et al. 2016 give (f1, n1) = (5, 64), (f2, n2) = (3, 32), f3 = 3 on Y but no total (later papers' tables
    differ): at x3 that is 5*5*64 + 3*3*64*32 + 3*3*32*9 = 22,624 weights and 105 biases."""
    model = ESPCN(3, channels=1)
    assert conv_weights(model) == 22624 and sum(p.numel() for p in model.parameters()) == 22729


def test_wdsr_b_is_weight_normalised_with_a_global_skip():
    model = WDSRB(2, blocks=3)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 1 + 3 * 3 + 1 + 1 and all(hasattr(m, "parametrizations") for m in convs)
    assert [m.weight.shape[:2] for m in model.body[0].body if isinstance(m, nn.Conv2d)] == \
        [(192, 32), (25, 192), (32, 25)]
    x = torch.rand(1, 3, 6, 6)
    with torch.no_grad():  # with the main branch's tail silenced, the output is the skip branch alone
        model.tail[0].parametrizations.weight.original0.zero_()
        model.tail[0].bias.zero_()
        skip = model.skip((x - model.mean) / 0.5) * 0.5 + model.mean
        assert torch.allclose(model(x), skip)


def test_unknown_model_or_scale_is_a_one_line_error():
    with pytest.raises(InputError, match="unknown SR model 'srcnn' .known: fsrcnn, espcn, wdsr_b."):
        build_sr_model("srcnn", 2)
    with pytest.raises(InputError, match="scale x8 is not supported"):
        build_sr_model("espcn", 8)


@pytest.mark.parametrize("name", list(SR_MODELS))
def test_onnx_export_runs_to_pytorchs_output(name, tmp_path):
    model = small(name, 2)
    path = tmp_path / f"{name}.onnx"
    export_onnx(model, torch.rand(1, 3, 10, 12), path)  # itself checks this input
    x = torch.rand(1, 3, 10, 12, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = model(x).numpy()
    got = session(path, threads=1).run(None, {"input": x.numpy()})[0]
    assert got.shape == (1, 3, 20, 24) and np.allclose(got, expected, rtol=1e-4, atol=1e-5)
