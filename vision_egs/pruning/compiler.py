"""The compiler path: rewrites a pruned (masked) classifier into an execution form that skips the
pruned work, with outputs equal to the masked model's.

1. Fuse: every batch norm is folded into the conv before it.
2. Per layer, each output row's *support* is the set of input channels it still reads. Rows with
   equal support are reordered next to each other and run as one small dense conv (or GEMM) on
   the gathered channels; a support covering most channels runs densely (a gather would cost more).
3. Fully empty rows vanish. Along a channel chain (see layers.py) the producer computes only the
   channels its consumer reads, in any order, and the consumer reads them in that order: the layer
   is truly smaller. A layer whose output feeds a residual sum restores the original channel order.
4. Activations run channels-last (NHWC), where oneDNN's convs are fastest on CPU and a channel
   gather is one contiguous copy.
"""
import copy
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from vision_egs.pruning.layers import all_layers, channel_chains, layer_dict


@dataclass
class CompilePolicy:
    dense_fraction: float = 0.75  # a row reading at least this share of the channels runs dense
    min_group_rows: int = 4  # smaller groups are merged into one (union of their supports)


def take_channels(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """x[:, index] as a contiguous channels-last copy (a plain gather for 2-D inputs)."""
    if x.dim() == 4:
        n, c, h, w = x.shape
        rows = x.permute(0, 2, 3, 1).reshape(-1, c)  # a view when x is channels-last
        return rows.index_select(1, index).view(n, h, w, -1).permute(0, 3, 1, 2)
    return x.index_select(1, index)


class CompiledLayer(nn.Module):
    """A conv or linear layer (batch norm folded in) as groups of rows, each a dense op over the
    input channels it reads; `order` (if any) puts the outputs back into the original order."""

    def __init__(self, like: nn.Module, groups: List[Tuple[Optional[torch.Tensor], torch.Tensor, torch.Tensor]],
                 order: Optional[torch.Tensor]):
        super().__init__()
        self.is_conv = isinstance(like, nn.Conv2d)
        if self.is_conv:
            self.stride, self.padding, self.dilation = like.stride, like.padding, like.dilation
        self.num_groups = len(groups)
        self.gathers = [index is not None for index, _, _ in groups]
        for i, (index, weight, bias) in enumerate(groups):
            if index is not None:
                self.register_buffer(f"index{i}", index)
            self.register_buffer(f"weight{i}", weight.contiguous(memory_format=torch.channels_last)
                                 if self.is_conv else weight.contiguous())
            self.register_buffer(f"bias{i}", bias)
        if order is not None:
            self.register_buffer("order", order)
        self.has_order = order is not None

    def macs_per_output_pixel(self) -> int:
        return sum(getattr(self, f"weight{i}").numel() for i in range(self.num_groups))

    def _op(self, x: torch.Tensor, i: int) -> torch.Tensor:
        w, b = getattr(self, f"weight{i}"), getattr(self, f"bias{i}")
        if self.is_conv:
            return F.conv2d(x, w, b, self.stride, self.padding, self.dilation)
        return F.linear(x, w, b)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = []
        for i in range(self.num_groups):
            xi = take_channels(x, getattr(self, f"index{i}")) if self.gathers[i] else x
            outs.append(self._op(xi, i))
        y = outs[0] if len(outs) == 1 else torch.cat(outs, 1)
        return take_channels(y, self.order) if self.has_order else y


def unit_support(weight: torch.Tensor) -> torch.Tensor:
    """[out, in] bool: does row r read input channel c at all."""
    return weight.reshape(weight.shape[0], weight.shape[1], -1).ne(0).any(dim=-1)


Groups = List[Tuple[List[int], Optional[List[int]]]]  # (rows, input channels read or None for all)


def plan_groups(support: torch.Tensor, rows: List[int], policy: CompilePolicy) -> Groups:
    """Rows grouped by equal support: [(rows, channels or None for all)], in order of first row; all
    rows that run dense form one group."""
    n_in = support.shape[1]
    by_support: Dict[Optional[Tuple[int, ...]], List[int]] = {}
    for r in rows:
        channels = tuple(support[r].nonzero().flatten().tolist()) or (0,)  # a bias-only row reads one channel
        key = None if len(channels) >= policy.dense_fraction * n_in else channels
        by_support.setdefault(key, []).append(r)
    groups = [(rs, list(k) if k is not None else None) for k, rs in by_support.items()]
    small = [g for g in groups if len(g[0]) < policy.min_group_rows]
    if len(small) > 1:
        union = sorted({c for _, chans in small for c in (chans if chans is not None else range(n_in))})
        merged_rows = sorted(r for rs, _ in small for r in rs)
        groups = [g for g in groups if len(g[0]) >= policy.min_group_rows]
        groups.append((merged_rows, None if len(union) >= policy.dense_fraction * n_in else union))
    dense_rows = sorted(r for rs, chans in groups if chans is None for r in rs)
    groups = [g for g in groups if g[1] is not None] + ([(dense_rows, None)] if dense_rows else [])
    return sorted(groups, key=lambda g: g[0][0])


def compile_layer(module: nn.Module, in_map: Optional[List[int]], keep_rows: Optional[torch.Tensor],
                  full_output: bool, policy: CompilePolicy) -> Tuple[CompiledLayer, List[int]]:
    """The compiled layer and its output map (original channel of each output channel).

    in_map: original input channel of each channel of the incoming tensor (None: all, in order);
    keep_rows: rows anyone reads (None: all); full_output: restore every row in original order."""
    weight = module.weight.detach()
    bias = module.bias.detach() if module.bias is not None else torch.zeros(weight.shape[0])
    if in_map is not None:
        weight = weight[:, in_map]
    support = unit_support(weight)
    alive = support.any(dim=1) | bias.ne(0)
    if keep_rows is not None and not full_output:
        alive &= keep_rows
    rows = alive.nonzero().flatten().tolist()
    if not rows:  # nothing survives: keep one row so the layer still has an output
        rows = [0]
    planned = plan_groups(support, rows, policy)
    if full_output:
        planned = attach_dead_rows(planned, weight.shape[0])
    groups, out_map = [], []
    for group_rows, channels in planned:
        w = weight[group_rows]
        index = None
        if channels is not None:
            index = torch.tensor(channels, dtype=torch.long)
            w = w[:, channels]
        groups.append((index, w.clone(), bias[group_rows].clone()))
        out_map += group_rows
    order = None
    if full_output and out_map != list(range(weight.shape[0])):
        position = {r: i for i, r in enumerate(out_map)}
        order = torch.tensor([position[r] for r in range(weight.shape[0])], dtype=torch.long)
        out_map = list(range(weight.shape[0]))
    return CompiledLayer(module, groups, order), out_map


def attach_dead_rows(groups: Groups, n_rows: int) -> Groups:
    """Every row that computes nothing joins the group of the alive row before it (its weights are
    zero there, so its output stays zero): a layer that must output every channel then needs no
    reordering whenever its groups are contiguous row ranges."""
    owner = {r: g for g, (rows, _) in enumerate(groups) for r in rows}
    current = owner.get(min(owner), 0)
    extra: Dict[int, List[int]] = {}
    for r in range(n_rows):
        if r in owner:
            current = owner[r]
        else:
            extra.setdefault(current, []).append(r)
    return [(sorted(rows + extra.get(g, [])), channels) for g, (rows, channels) in enumerate(groups)]


@torch.no_grad()
def fold_batch_norms(model: nn.Module) -> None:
    for layer in all_layers(model):
        if layer.bn is None:
            continue
        bn, conv = layer.bn, layer.module
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        shift = bn.bias - bn.running_mean * scale
        if conv.bias is not None:
            shift = shift + conv.bias * scale
        conv.weight.mul_(scale.reshape(-1, 1, 1, 1))
        conv.bias = nn.Parameter(shift)
        set_module(model, layer.bn_name, nn.Identity())


def set_module(model: nn.Module, name: str, new: nn.Module) -> None:
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, child, new)


class CompiledModel(nn.Module):
    def __init__(self, body: nn.Module):
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.contiguous(memory_format=torch.channels_last))


@torch.no_grad()
def compile_model(model: nn.Module, policy: CompilePolicy = CompilePolicy()) -> CompiledModel:
    """The execution form of a (masked) classifier; the input model is left untouched."""
    body = copy.deepcopy(model).eval()
    fold_batch_norms(body)
    layers = layer_dict(body)
    consumer_of = dict(channel_chains(body))
    producer_of = {c: p for p, c in consumer_of.items()}
    out_maps: Dict[str, List[int]] = {}
    for name, layer in layers.items():
        in_map = out_maps.get(producer_of.get(name, ""))
        consumer = consumer_of.get(name)
        keep_rows = unit_support(layers[consumer].module.weight).any(dim=0) if consumer else None
        compiled, out_maps[name] = compile_layer(layer.module, in_map, keep_rows, consumer is None, policy)
        set_module(body, name, compiled)
    return CompiledModel(body)


def executed_macs(compiled: CompiledModel, input_shape: Tuple[int, ...]) -> int:
    """MACs per sample that the compiled model really runs."""
    total, hooks = 0, []

    def hook(m, _i, out):
        nonlocal total
        total += m.macs_per_output_pixel() * (out[0, 0].numel() if out.dim() == 4 else 1)
    for m in compiled.modules():
        if isinstance(m, CompiledLayer):
            hooks.append(m.register_forward_hook(hook))
    compiled(torch.zeros(1, *input_shape[1:]))
    for h in hooks:
        h.remove()
    return total
