"""The networks of MEST's CIFAR experiments, as GraSP (Wang et al. 2020) defines them, built from
vision_egs/common's classifiers: ResNet-32 with 32/64/128 channels and 1x1-conv shortcuts, and
VGG-19 with batch norm ending in average pooling; `width` scales every channel count (small-dense
and CPU-sized runs). Kaiming (fan-out) conv and N(0, 0.01) classifier initialisation, as GraSP's.

The sparsity profile follows MEST's profiles/: every conv at the target except the first, the
classifier and (ResNet) the 1x1 shortcut convs, which the official profiles do not list, so they
stay dense."""
from typing import Dict, List

import torch
import torch.nn.functional as F
from torch import nn

from recipe_common.errors import InputError
from vision_egs.common.models import CifarResNet, CifarVGG
from vision_egs.pruning.layers import all_layers

VGG19 = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512]
ARCHS = ("resnet32", "vgg19")


class GraspVGG(CifarVGG):
    """CifarVGG whose last 2x2 feature map is average-pooled (GraSP's), not flattened."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.features(self.normalize(x)), 1), 1))


def _scaled(channels: int, width: float) -> int:
    return max(1, int(round(channels * width)))


def _init(m: nn.Module) -> None:
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    elif isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, 0, 0.01)
        nn.init.zeros_(m.bias)


def build_model(arch: str, width: float = 1.0, num_classes: int = 10) -> nn.Module:
    if arch not in ARCHS:
        raise InputError(f"unknown architecture '{arch}' (known: {', '.join(ARCHS)})")
    if width <= 0:
        raise InputError(f"width multiplier must be positive, not {width:g}")
    if arch == "resnet32":
        model = CifarResNet([5, 5, 5], [_scaled(c, width) for c in (32, 64, 128)], num_classes, option_a=False)
    else:
        model = GraspVGG([v if v == "M" else _scaled(v, width) for v in VGG19], num_classes)
    model.apply(_init)
    return model


def sparse_layer_names(model: nn.Module) -> List[str]:
    """The convs MEST's profiles sparsify (see the module docstring)."""
    layers = all_layers(model)[1:-1]
    return [layer.name for layer in layers if ".shortcut." not in layer.name]


def sparsity_profile(model: nn.Module, sparsity: float) -> Dict[str, float]:
    return {name: sparsity for name in sparse_layer_names(model)}


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def small_dense_width(arch: str, width: float, n_params: int) -> float:
    """The width multiplier whose dense model has the parameter count closest to `n_params` (the
    sparse model's nonzero parameters): bisection, the count growing with the width."""
    low, high = 1e-3, width
    for _ in range(40):
        mid = (low + high) / 2
        if parameter_count(build_model(arch, mid)) < n_params:
            low = mid
        else:
            high = mid
    return min((low, high), key=lambda w: abs(parameter_count(build_model(arch, w)) - n_params))
