"""The latency model: per layer shape, role, pruning choice and surviving input share, the
milliseconds its compiled form takes on this machine (median of repeats, threads pinned), kept in a
JSON lookup table that a recipe stage builds once and both mapping methods read.

A layer's *role* decides how it compiles: a chain producer drops removed filters from its output (its
entry includes the ReLU on that output, which shrinks with it), a chain consumer reads only the
channels its producer kept (`in_keep`), any other layer must output every channel. A model's
estimated latency is the sum of its layers' entries plus the rest of the network (pooling,
additions, activations), taken as the measured dense model minus its dense layers.
"""
import copy
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from recipe_common.errors import InputError
from vision_egs.common.latency_table import LatencyTable as CachedLatencyTable
from vision_egs.common.latency_table import machine_meta as common_machine_meta
from vision_egs.common.latency_table import interleaved_ms, median_ms
from vision_egs.pruning.compiler import CompilePolicy, compile_layer, compile_model
from vision_egs.pruning.layers import all_layers, channel_chains
from vision_egs.pruning.masks import LayerChoice, Mapping, apply_masks, compute_masks
from vision_egs.pruning.schemes import scheme_mask


@dataclass(frozen=True)
class LayerSite:
    """Where a layer sits: what its latency depends on besides the pruning choice."""
    name: str
    kind: str  # conv | linear
    cin: int
    cout: int
    kernel: int
    stride: int
    height: int  # input size
    width: int
    role: str  # producer | consumer | plain (consumer of one chain may produce the next: producer+consumer)

    @property
    def signature(self) -> str:
        return f"{self.kind}{self.cin}x{self.cout}k{self.kernel}s{self.stride}@{self.height}x{self.width}/{self.role}"


def layer_sites(model: nn.Module, image_size: int = 32) -> Dict[str, LayerSite]:
    """Every conv and linear of the model with its input size and chain role."""
    chains = channel_chains(model)
    producers, consumers = {p for p, _ in chains}, {c for _, c in chains}
    inputs: Dict[str, Tuple[int, ...]] = {}
    hooks = [layer.module.register_forward_hook(lambda m, i, o, n=layer.name: inputs.__setitem__(n, tuple(i[0].shape)))
             for layer in all_layers(model)]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, image_size, image_size))
    model.train(was_training)
    for h in hooks:
        h.remove()
    sites = {}
    for layer in all_layers(model):
        m, shape = layer.module, inputs[layer.name]
        conv = isinstance(m, nn.Conv2d)
        role = "+".join(r for r, s in (("producer", producers), ("consumer", consumers)) if layer.name in s) or "plain"
        sites[layer.name] = LayerSite(layer.name, "conv" if conv else "linear", m.weight.shape[1], m.weight.shape[0],
                                      m.kernel_size[0] if conv else 1, m.stride[0] if conv else 1,
                                      shape[2] if conv else 1, shape[3] if conv else 1, role)
    return sites


def entry_key(site: LayerSite, choice: Optional[LayerChoice], in_keep: float) -> str:
    return f"{site.signature}|{choice if choice else 'dense'}|in{in_keep:g}"


def site_layer(site: LayerSite, choice: Optional[LayerChoice], seed: int = 0) -> nn.Module:
    """A layer of the site's shape, random weights pruned by `choice` (its removed filters have no bias)."""
    gen = torch.Generator().manual_seed(seed)
    if site.kind == "conv":
        layer = nn.Conv2d(site.cin, site.cout, site.kernel, site.stride, site.kernel // 2)
        shape = (site.cout, site.cin, site.kernel, site.kernel)
    else:
        layer = nn.Linear(site.cin, site.cout)
        shape = (site.cout, site.cin)
    with torch.no_grad():
        layer.weight.copy_(torch.randn(shape, generator=gen))
        layer.bias.copy_(torch.randn(site.cout, generator=gen))
        if choice is not None:
            layer.weight.mul_(scheme_mask(layer.weight, choice.scheme, choice.sparsity, site.name))
            layer.bias[layer.weight.reshape(site.cout, -1).eq(0).all(dim=1)] = 0
    return layer


def measure_site(site: LayerSite, choice: Optional[LayerChoice], in_keep: float, batch: int, warmup: int,
                 repeats: int, policy: CompilePolicy = CompilePolicy()) -> float:
    layer = site_layer(site, choice)
    n_in = max(1, round(site.cin * in_keep))
    in_map = None if n_in == site.cin else sorted(torch.randperm(site.cin)[:n_in].tolist())
    compiled, _ = compile_layer(layer, in_map, None, "producer" not in site.role, policy)
    if site.kind == "conv":
        x = torch.randn(batch, n_in, site.height, site.width).contiguous(memory_format=torch.channels_last)
    else:
        x = torch.randn(batch, n_in)
    if "producer" in site.role:  # its ReLU runs on the channels it keeps, so it shrinks with it
        return median_ms(lambda: F.relu(compiled(x)), warmup, repeats)
    return median_ms(lambda: compiled(x), warmup, repeats)


TABLE_FORMAT = "3"  # bumped whenever what an entry measures changes, so old caches are re-measured


def machine_meta(batch: int, threads: int) -> Dict[str, str]:
    return common_machine_meta(format=TABLE_FORMAT, threads=threads, batch=batch)


class LatencyTable(CachedLatencyTable):
    """Entries in milliseconds, valid for one machine, torch version, thread count and batch."""

    def lookup(self, site: LayerSite, choice: Optional[LayerChoice], in_keep: float) -> float:
        return self.get(entry_key(site, choice, in_keep))

    def rest_ms(self, arch: str) -> float:
        if model_rest_key(arch) not in self.entries:
            raise InputError(f"latency table has no entry for the rest of {arch} (build it for this model)")
        return self.entries[model_rest_key(arch)]

    def fill(self, jobs: List[Tuple[LayerSite, Optional[LayerChoice], float]], measure: Callable[..., float],
             path: Optional[Path] = None, save_every: int = 50) -> int:
        """Measures the jobs not yet in the table (saving every `save_every`); returns how many."""
        return self.measure_missing({entry_key(s, c, k): partial(measure, s, c, k) for s, c, k in jobs}, path,
                                    save_every)


def model_rest_key(arch: str) -> str:
    return f"model|{arch}|rest"


def measure_model_rest(model: nn.Module, sites: Dict[str, LayerSite], table: LatencyTable, batch: int,
                       warmup: int, repeats: int, image_size: int = 32) -> float:
    """Milliseconds of the dense compiled model outside its conv and linear layers."""
    compiled = compile_model(model)
    x = torch.rand(batch, 3, image_size, image_size)
    total = median_ms(lambda: compiled(x), warmup, repeats)
    layers = sum(table.lookup(site, None, 1.0) for site in sites.values())
    return max(total - layers, 0.0)


def interleaved_latency(models: Dict[str, nn.Module], x: torch.Tensor, rounds: int, runs: int) -> Dict[str, float]:
    """Median milliseconds per model on `x`, interleaved (vision_egs.common's interleaved_ms)."""
    return interleaved_ms({name: partial(m, x) for name, m in models.items()}, rounds, runs)


def measured_speedup(dense: nn.Module, mapping: Mapping, batch: int, rounds: int, runs: int,
                     image_size: int = 32) -> float:
    """End-to-end speedup of the compiled dense model pruned by `mapping` (magnitude masks of its own
    weights) over the compiled dense model, timed interleaved. The compiled form's speed depends on
    the masks' structure, not on the weights, so this is the speed the pruned and fine-tuned model
    will have, known before any fine-tuning."""
    pruned = copy.deepcopy(dense).eval()
    apply_masks(pruned, compute_masks(pruned, mapping))
    models = {"dense": compile_model(dense.eval()), "mapped": compile_model(pruned)}
    ms = interleaved_latency(models, torch.rand(batch, 3, image_size, image_size), rounds, runs)
    return ms["dense"] / ms["mapped"]
