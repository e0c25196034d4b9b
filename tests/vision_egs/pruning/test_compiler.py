"""The compiled execution form equals the masked model, for every layer type and scheme, and
really computes less."""
import pytest
import torch
from torch import nn

from vision_egs.common.models import build_classifier
from vision_egs.common.onnx_latency import export_onnx
from vision_egs.pruning.compiler import CompiledLayer, CompilePolicy, compile_layer, compile_model, executed_macs
from vision_egs.pruning.masks import apply_masks, compute_masks, mac_counts, uniform_mapping
from vision_egs.pruning.schemes import parse_scheme, scheme_mask


def randomise_batch_norms(model: nn.Module) -> None:
    """Trained-like statistics, so that folding them is really tested."""
    gen = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.rand(m.num_features, generator=gen) * 2 - 1)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.data.copy_(torch.rand(m.num_features, generator=gen) - 0.5)


def pruned(arch: str, scheme: str, rate: float) -> nn.Module:
    torch.manual_seed(0)
    model = build_classifier(arch)
    randomise_batch_norms(model)
    apply_masks(model, compute_masks(model, uniform_mapping(model, parse_scheme(scheme), rate)))
    return model.eval()


@pytest.mark.parametrize("arch, scheme", [
    ("resnet20", "unstructured"), ("resnet20", "filter"), ("resnet20", "channel"), ("resnet20", "pattern"),
    ("resnet20", "block:8x144"), ("resnet20", "block:4x72"), ("vgg11_half", "filter"),
    ("vgg11_half", "block:8x144"), ("vgg11_half", "channel"), ("resnet18", "filter"), ("resnet18", "unstructured"),
])
def test_compiled_model_equals_masked_model(arch, scheme):
    model = pruned(arch, scheme, 0.7)
    compiled = compile_model(model)
    x = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        assert torch.allclose(compiled(x), model(x), atol=1e-4, rtol=1e-4)
    assert any(isinstance(m, CompiledLayer) for m in compiled.modules())


@pytest.mark.parametrize("scheme", ["filter", "channel", "block:16x144"])
def test_structured_schemes_execute_fewer_macs(scheme):
    model = pruned("resnet20", scheme, 0.75)
    dense_macs, nonzero = mac_counts(model, (1, 3, 32, 32))
    executed = executed_macs(compile_model(model), (1, 3, 32, 32))
    assert executed < 0.45 * dense_macs
    assert nonzero < 0.45 * dense_macs


def test_unstructured_zeros_run_at_dense_work():
    model = pruned("resnet20", "unstructured", 0.75)
    dense_macs, _ = mac_counts(model, (1, 3, 32, 32))
    assert executed_macs(compile_model(model), (1, 3, 32, 32)) == dense_macs


@pytest.mark.parametrize("layer", [nn.Conv2d(16, 32, 3, 2, 1), nn.Conv2d(32, 16, 1), nn.Linear(64, 24)])
@pytest.mark.parametrize("full_output", [True, False])
def test_single_layer_with_dropped_inputs_and_rows(layer, full_output):
    torch.manual_seed(3)
    with torch.no_grad():
        scheme = "block:8x144" if layer.weight.dim() == 4 and layer.kernel_size == (3, 3) else "block:8x16"
        layer.weight.mul_(scheme_mask(layer.weight, parse_scheme(scheme), 0.5))
        layer.weight[:3] = 0  # three dead rows
        layer.bias[:3] = 0
    cin = layer.weight.shape[1]
    in_map = list(range(1, cin, 2)) + [0]  # the producer kept half its channels, in its own order
    compiled, out_map = compile_layer(layer, in_map, None, full_output, CompilePolicy())
    x_full = torch.randn(2, cin, 8, 8) if layer.weight.dim() == 4 else torch.randn(2, cin)
    x_full[:, [c for c in range(cin) if c not in in_map]] = 0  # what the producer dropped is zero
    with torch.no_grad():
        expected = layer(x_full)
        got = compiled(x_full[:, in_map].contiguous())
    if full_output:
        assert out_map == list(range(layer.weight.shape[0]))
    else:
        assert not {0, 1, 2} & set(out_map)  # dead rows are not computed
    assert torch.allclose(got, expected[:, out_map], atol=1e-5)


def test_compiled_model_exports_to_onnx(tmp_path):
    compiled = compile_model(pruned("resnet20", "block:8x144", 0.75))
    export_onnx(compiled, torch.rand(2, 3, 32, 32), tmp_path / "m.onnx")  # checks ORT against PyTorch itself
    assert (tmp_path / "m.onnx").stat().st_size > 10000


def test_compiling_leaves_the_model_untouched():
    model = pruned("resnet20", "filter", 0.5)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    compile_model(model)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_masking_a_whole_filter_zeroes_its_batch_norm():
    model = pruned("resnet20", "filter", 0.5)
    block = model.layers[0]
    dead = block.conv1.weight.reshape(16, -1).abs().sum(dim=1) == 0
    assert int(dead.sum()) == 8
    assert (block.bn1.weight[dead] == 0).all() and (block.bn1.bias[dead] == 0).all()
    assert (block.bn1.weight[~dead] != 0).all()
