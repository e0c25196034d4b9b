"""The masks of a sparse model and the operations every sparse-training method is made of:
magnitude (or |W| + λ|∇W|) pruning of active units, random or gradient-ranked growth of inactive
ones, and keeping masked weights at zero through SGD.

Masked weights stay exactly zero: after backward the gradients are masked, after the step the
weights are, and on every mask change the momentum buffers are, so neither momentum nor weight
decay (which adds wd * 0) can move a removed weight; a regrown weight therefore starts at zero
with zero momentum (MEST's `--sp-update-init-method zero`, RigL's zero init)."""
from typing import Dict, Optional

import torch
from torch import nn

from recipe_common.errors import InputError
from vision_egs.mest.schemes import check_scheme, expand_units, unit_count, unit_view


def keep_count(n_units: int, sparsity: float) -> int:
    """Units kept at `sparsity` (at least one, so no layer is cut off)."""
    return max(1, int(round((1.0 - sparsity) * n_units)))


def check_sparsity(sparsity: float, what: str = "sparsity") -> None:
    """A ValueError, which config loading turns into one line naming the file and section."""
    if not 0.0 < sparsity < 1.0:
        raise ValueError(f"{what} {sparsity:g} is outside (0, 1)")


class MaskSet:
    """Unit masks (bool [units]) of the profile's layers of `model`, all under one scheme. `state`
    (name -> unit mask) is the dict checkpoints save; it is updated in place."""

    def __init__(self, model: nn.Module, profile: Dict[str, float], scheme: str):
        modules = dict(model.named_modules())
        self.scheme, self.profile = scheme, dict(profile)
        self.weights: Dict[str, nn.Parameter] = {}
        for name, sparsity in profile.items():
            try:
                check_sparsity(sparsity, f"{name}: sparsity")
            except ValueError as e:
                raise InputError(str(e))
            check_scheme(scheme, modules[name].weight, name)
            self.weights[name] = modules[name].weight
        self.state: Dict[str, torch.Tensor] = {
            n: torch.ones(unit_count(w, scheme), dtype=torch.bool) for n, w in self.weights.items()}
        self.masks: Dict[str, torch.Tensor] = {}
        self._expand()

    def _expand(self) -> None:
        for name, keep in self.state.items():
            self.masks[name] = expand_units(keep, self.weights[name].detach(), self.scheme)

    def load(self, state: Dict[str, torch.Tensor]) -> None:
        for name in self.state:
            self.state[name].copy_(state[name])
        self._expand()

    def active(self, name: str) -> int:
        return int(self.state[name].sum())

    def units(self, name: str) -> int:
        return self.state[name].numel()

    def unit_scores(self, name: str, t: torch.Tensor) -> torch.Tensor:
        """Per unit, the sum of |t| over its weights (|W| for magnitude, |∇W| for gradients)."""
        return unit_view(t.detach().abs(), self.scheme).sum(dim=1)

    def weight_sparsity(self, name: str) -> float:
        return 1.0 - self.active(name) / self.units(name)

    def nonzero_weights(self) -> int:
        return sum(int(m.sum()) for m in self.masks.values())

    # --- mutations (each leaves the weights masked; call mask_momentum after them) ---
    def random_init(self, generator: torch.Generator) -> None:
        """Every layer at its profile sparsity, units drawn uniformly."""
        for name, sparsity in self.profile.items():
            keep = torch.zeros(self.units(name), dtype=torch.bool)
            keep[torch.randperm(self.units(name), generator=generator)[:keep_count(self.units(name), sparsity)]] = True
            self.state[name].copy_(keep)
        self._expand()
        self.apply()

    def prune(self, name: str, n_keep: int, score: torch.Tensor) -> None:
        """Keeps the n_keep active units of highest `score` (a [units] tensor)."""
        keep = self.state[name]
        if n_keep >= int(keep.sum()):
            return
        ranked = torch.where(keep, score, torch.full_like(score, -float("inf")))
        new = torch.zeros_like(keep)
        new[ranked.topk(n_keep).indices] = True
        keep.copy_(new)

    def grow(self, name: str, n_keep: int, priority: Optional[torch.Tensor], generator: torch.Generator) -> None:
        """Activates inactive units up to n_keep: those of highest `priority`, or uniformly at random
        when it is None. Their weights are zero (they were masked), so they start at zero."""
        keep = self.state[name]
        n_new = n_keep - int(keep.sum())
        if n_new <= 0:
            return
        inactive = (~keep).nonzero().flatten()
        if priority is None:
            chosen = inactive[torch.randperm(len(inactive), generator=generator)[:n_new]]
        else:
            chosen = inactive[priority[inactive].topk(n_new).indices]
        keep[chosen] = True

    def commit(self) -> None:
        """After prune/grow: the new masks, applied to the weights."""
        self._expand()
        self.apply()

    # --- keeping masked weights at zero ---
    @torch.no_grad()
    def apply(self) -> None:
        for name, w in self.weights.items():
            w.mul_(self.masks[name])

    @torch.no_grad()
    def mask_gradients(self) -> None:
        for name, w in self.weights.items():
            if w.grad is not None:
                w.grad.mul_(self.masks[name])

    @torch.no_grad()
    def mask_momentum(self, optimizer: torch.optim.Optimizer) -> None:
        for name, w in self.weights.items():
            buf = optimizer.state.get(w, {}).get("momentum_buffer")
            if buf is not None:
                buf.mul_(self.masks[name])
