"""What the pruning recipes see of a classifier: its prunable layers (every conv and linear but
the stem conv and the classifier head, which stay dense as in the papers), the batch norm that
follows each conv, and the channel chains along which a removed channel can vanish from both ends.

A chain (producer, consumer) means the consumer reads the producer's output through channel-wise
ops only (batch norm, ReLU, max pooling, flatten of a 1x1 map): a channel the producer does not
compute (or the consumer does not read) can be dropped from both."""
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from torch import nn

from vision_egs.common.models import BasicBlock, CifarResNet, CifarVGG


@dataclass
class Layer:
    name: str
    module: nn.Module  # nn.Conv2d or nn.Linear
    bn: Optional[nn.BatchNorm2d]
    bn_name: Optional[str]


def all_layers(model: nn.Module) -> List[Layer]:
    """Every conv and linear in registration order, each with the batch norm right after it."""
    mods = list(model.named_modules())
    out = []
    for i, (name, m) in enumerate(mods):
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            bn_name, bn = next(((n, b) for n, b in mods[i + 1:i + 2] if isinstance(b, nn.BatchNorm2d)), (None, None))
            out.append(Layer(name, m, bn, bn_name))
    return out


def prunable_layers(model: nn.Module) -> List[Layer]:
    layers = all_layers(model)
    return layers[1:-1]


def channel_chains(model: nn.Module) -> List[Tuple[str, str]]:
    """(producer, consumer) layer names of the chains of the known CIFAR architectures."""
    names = {id(m): n for n, m in model.named_modules()}
    chains = []
    if isinstance(model, CifarResNet):
        for block in model.modules():
            if isinstance(block, BasicBlock):
                chains.append((names[id(block.conv1)], names[id(block.conv2)]))
    elif isinstance(model, CifarVGG):
        convs = [names[id(m)] for m in model.features if isinstance(m, nn.Conv2d)]
        chains += list(zip(convs[:-1], convs[1:]))
        chains.append((convs[-1], names[id(model.fc)]))  # the features end 1x1 on 32x32 inputs
    return chains


def layer_dict(model: nn.Module) -> Dict[str, Layer]:
    return {layer.name: layer for layer in all_layers(model)}
