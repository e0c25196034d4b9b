"""Masks of a whole model: computing them from a per-layer mapping, keeping them applied during
fine-tuning, the gradual (cubic) sparsity schedule, and the MAC counts they imply."""
from dataclasses import dataclass
from typing import Dict, Tuple

import torch
from torch import nn

from recipe_common.errors import InputError
from vision_egs.pruning.layers import all_layers, layer_dict, prunable_layers
from vision_egs.pruning.schemes import Scheme, check_scheme, parse_scheme, scheme_mask

Masks = Dict[str, torch.Tensor]  # layer name -> 0/1 mask of its weight


@dataclass(frozen=True)
class LayerChoice:
    """How one layer is pruned: a scheme at a rate."""
    scheme: Scheme
    sparsity: float

    def __str__(self) -> str:
        return f"{self.scheme}@{self.sparsity:g}"


def parse_choice(text: str) -> LayerChoice:
    """'block:8x144@0.75' -> LayerChoice."""
    scheme, sep, rate = text.rpartition("@")
    if not sep:
        raise InputError(f"'{text}': expected SCHEME@SPARSITY")
    try:
        return LayerChoice(parse_scheme(scheme), float(rate))
    except ValueError:
        raise InputError(f"'{text}': sparsity '{rate}' is not a number")


Mapping = Dict[str, LayerChoice]  # layer name -> choice; layers not named stay dense


def uniform_mapping(model: nn.Module, scheme: Scheme, sparsity: float) -> Mapping:
    """The same scheme and rate on every prunable layer; a block that does not fit a layer is an error."""
    mapping = {}
    for layer in prunable_layers(model):
        check_scheme(scheme, layer.module.weight, layer.name)
        mapping[layer.name] = LayerChoice(scheme, sparsity)
    return mapping


def check_mapping(model: nn.Module, mapping: Mapping) -> None:
    layers = layer_dict(model)
    for name, choice in mapping.items():
        if name not in layers:
            raise InputError(f"mapping names '{name}', which is not a layer of the model")
        check_scheme(choice.scheme, layers[name].module.weight, name)


def compute_masks(model: nn.Module, mapping: Mapping, rate_scale: float = 1.0) -> Masks:
    """Masks of every mapped layer at `rate_scale` times its target sparsity (for gradual pruning)."""
    layers = layer_dict(model)
    return {name: scheme_mask(layers[name].module.weight, c.scheme, c.sparsity * rate_scale, name)
            for name, c in mapping.items()}


@torch.no_grad()
def apply_masks(model: nn.Module, masks: Masks) -> None:
    """Zeroes the masked weights, and the batch-norm scale and shift of every output channel whose
    filter is entirely removed: that channel is then exactly zero, so the compiler may drop it."""
    layers = layer_dict(model)
    for name, mask in masks.items():
        layer = layers[name]
        layer.module.weight.mul_(mask)
        if layer.bn is not None:
            dead = mask.reshape(mask.shape[0], -1).sum(dim=1) == 0
            layer.bn.weight[dead] = 0
            layer.bn.bias[dead] = 0


def cubic_rate_scale(epoch: int, prune_epochs: int) -> float:
    """Zhu & Gupta's gradual schedule: share of the target sparsity reached after `epoch` (1-based)
    of `prune_epochs` pruning epochs; 1 from then on."""
    if prune_epochs <= 0 or epoch >= prune_epochs:
        return 1.0
    return 1.0 - (1.0 - epoch / prune_epochs) ** 3


def output_sizes(model: nn.Module, input_shape: Tuple[int, ...]) -> Dict[str, int]:
    """Output pixels per sample of every conv (1 for linear layers), by one forward pass."""
    sizes, hooks = {}, []
    for layer in all_layers(model):
        def hook(_m, _i, out, name=layer.name):
            sizes[name] = out[0, 0].numel() if out.dim() == 4 else 1
        hooks.append(layer.module.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape[1:]))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return sizes


def mac_counts(model: nn.Module, input_shape: Tuple[int, ...]) -> Tuple[int, int]:
    """(dense MACs, MACs of the nonzero weights) per sample, counted on conv and linear layers."""
    sizes = output_sizes(model, input_shape)
    dense = nonzero = 0
    for layer in all_layers(model):
        w = layer.module.weight
        dense += w.numel() * sizes[layer.name]
        nonzero += w.count_nonzero().item() * sizes[layer.name]
    return dense, nonzero

