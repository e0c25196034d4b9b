"""CIFAR classifiers: ResNet-20/32 (He et al. 2016, option-A shortcuts), ResNet-18 (the CIFAR
variant with a 3x3 stem) and VGG-11/16 with batch norm (vgg11_half: half the channels, for
CPUs). Every model takes images in [0, 1]
and normalises them itself, which is what the attacks and denoisers expect."""
from pathlib import Path
from typing import Callable, Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from torch import nn

from recipe_common.checkpoint import load_checkpoint
from recipe_common.errors import InputError

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)


class Normalize(nn.Module):
    def __init__(self, mean=CIFAR_MEAN, std=CIFAR_STD):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, option_a: bool):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.pad = 0
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            if option_a:  # parameter-free: subsample and zero-pad the channels (He et al.'s CIFAR nets)
                self.pad = (cout - cin) // 2
                self.shortcut = nn.AvgPool2d(1, stride)
            else:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        short = self.shortcut(x)
        if self.pad:
            short = F.pad(short, (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(out + short)


class CifarResNet(nn.Module):
    def __init__(self, blocks: List[int], widths: List[int], num_classes: int = 10, option_a: bool = True):
        super().__init__()
        self.normalize = Normalize()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        layers, cin = [], widths[0]
        for i, (n, w) in enumerate(zip(blocks, widths)):
            for j in range(n):
                layers.append(BasicBlock(cin, w, 2 if (i > 0 and j == 0) else 1, option_a))
                cin = w
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layers(self.stem(self.normalize(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


VGG_LAYERS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}


class CifarVGG(nn.Module):
    def __init__(self, layers: List[Union[int, str]], num_classes: int = 10):
        super().__init__()
        self.normalize = Normalize()
        modules: List[nn.Module] = []
        cin = 3
        for v in layers:
            if v == "M":
                modules.append(nn.MaxPool2d(2))
            else:
                modules += [nn.Conv2d(cin, int(v), 3, padding=1, bias=False), nn.BatchNorm2d(int(v)), nn.ReLU()]
                cin = int(v)
        self.features = nn.Sequential(*modules)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.features(self.normalize(x)), 1))


ARCHITECTURES: Dict[str, Callable[[int], nn.Module]] = {
    "resnet20": lambda n: CifarResNet([3, 3, 3], [16, 32, 64], n),
    "resnet32": lambda n: CifarResNet([5, 5, 5], [16, 32, 64], n),
    "resnet18": lambda n: CifarResNet([2, 2, 2, 2], [64, 128, 256, 512], n, option_a=False),
    "vgg11": lambda n: CifarVGG(VGG_LAYERS["vgg11"], n),
    "vgg11_half": lambda n: CifarVGG([v if v == "M" else int(v) // 2 for v in VGG_LAYERS["vgg11"]], n),
    "vgg16": lambda n: CifarVGG(VGG_LAYERS["vgg16"], n),
}


def build_classifier(arch: str, num_classes: int = 10) -> nn.Module:
    if arch not in ARCHITECTURES:
        raise InputError(f"unknown architecture '{arch}' (known: {', '.join(ARCHITECTURES)})")
    return ARCHITECTURES[arch](num_classes)


def load_classifier(path: Union[str, Path], arch: Optional[str] = None) -> nn.Module:
    """A trained classifier in eval mode; `arch` given, a checkpoint of another one is an error."""
    ckpt = load_checkpoint(path)
    saved = ckpt.get("arch")
    if saved is None or "model" not in ckpt:
        raise InputError(f"{path}: not a classifier checkpoint (no 'arch'/'model')")
    if arch is not None and saved != arch:
        raise InputError(f"{path}: checkpoint of a {saved}, expected a {arch}")
    model = build_classifier(saved, ckpt.get("num_classes", 10))
    try:
        model.load_state_dict(ckpt["model"])
    except RuntimeError as e:
        raise InputError(f"{path}: weights do not fit a {saved} ({str(e).splitlines()[0]})")
    return model.eval()
