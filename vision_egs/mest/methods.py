"""The mask-update rules of the compared methods, on a MaskSet, at the start of an epoch.

    static     random masks at the target, never changed
    set        SET (Mocanu et al. 2018): drop the smallest-|W| share of each layer's active units,
               regrow as many at random
    rigl       RigL (Evci et al. 2020): the same drop, regrow by the largest dense-gradient norm
    mest_em    MEST+EM: prune to the stage's prune_to sparsity by |W| + λ|∇W|, regrow at random to
               its grow_to sparsity (official bounds: prune below the target, grow back to it)
    mest_ems   MEST+EM&S: the same rule with the soft memory bound (prune to the target, grow above
               it, so the model trains at grow_to between updates); the last stage is the target

SET and RigL share RigL's cosine-decayed update fraction α/2·(1 + cos(π t / T_end)), updates
stopping at T_end = end_fraction of training. We update once every `update_every` epochs, where
RigL updates every 100 steps (fewer, larger updates on a small training set); SET gets the same
schedule, as in the RigL paper's comparison. MEST's stages switch at the decay epochs (its
`--mask-update-decay-epoch`), and every stage start is an update epoch, so a run always ends at
the target. Unit scores are sums over the unit of |W| and |∇W| (MEST's block code ranks by L2
norm; for single weights both are the paper's score)."""
import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import torch

from recipe_common.errors import InputError
from vision_egs.mest.masks import MaskSet, check_sparsity, keep_count

METHODS = ("dense", "small_dense", "static", "set", "rigl", "mest_em", "mest_ems")
SPARSE_METHODS = METHODS[2:]
MEST_METHODS = ("mest_em", "mest_ems")


@dataclass
class Bounds:
    """One official bound schedule: per stage, the sparsity pruned to and the one grown back to."""
    method: str
    sparsity: float
    prune_to: List[float]
    grow_to: List[float]
    schemes: List[str] = field(default_factory=lambda: ["unstructured", "block", "channel"])

    def check(self, n_stages: int) -> None:
        where = f"bounds of {self.method} at {self.sparsity:g}"
        check_sparsity(self.sparsity, f"{where}: sparsity")
        if len(self.prune_to) != n_stages or len(self.grow_to) != n_stages:
            raise ValueError(f"{where}: prune_to and grow_to need {n_stages} stages (one more than decay_epochs)")
        for p, g in zip(self.prune_to, self.grow_to):
            check_sparsity(p, f"{where}: prune_to")
            check_sparsity(g, f"{where}: grow_to")
            if not p >= self.sparsity >= g:
                raise ValueError(f"{where}: prune_to {p:g} / grow_to {g:g} do not bracket the target "
                                 f"(need prune_to >= {self.sparsity:g} >= grow_to)")
        if self.prune_to[-1] != self.sparsity or self.grow_to[-1] != self.sparsity:
            raise ValueError(f"{where}: the last stage must be the target ({self.sparsity:g}/{self.sparsity:g}), "
                             f"not {self.prune_to[-1]:g}/{self.grow_to[-1]:g}")


@dataclass
class UpdateConfig:
    update_every: int = 5  # epochs between mask updates (MEST's --sp-mask-update-freq)
    decay_epochs: List[int] = field(default_factory=lambda: [90, 120])  # MEST stage starts (0-based epochs)
    lmd: float = 1.0  # λ of MEST's |W| + λ|∇W| score; 0: pure magnitude, as the released scripts
    rigl_alpha: float = 0.3  # initial update fraction of SET and RigL
    rigl_end_fraction: float = 0.75  # share of training after which SET and RigL stop updating
    grad_batches: int = 1  # batches of the dense gradient that RigL (and MEST with λ > 0) rank by
    bounds: List[Bounds] = field(default_factory=list)

    def __post_init__(self):
        if self.update_every < 1:
            raise ValueError(f"update_every must be at least 1, not {self.update_every}")
        if self.lmd < 0:
            raise ValueError(f"lmd must not be negative, not {self.lmd:g}")
        if sorted(self.decay_epochs) != self.decay_epochs or any(e < 1 for e in self.decay_epochs):
            raise ValueError(f"decay_epochs must be increasing epochs of 1 or more, not {self.decay_epochs}")
        for b in self.bounds:
            if b.method not in MEST_METHODS:
                raise ValueError(f"bounds name method '{b.method}', not one of {', '.join(MEST_METHODS)}")
            b.check(len(self.decay_epochs) + 1)

    def bounds_for(self, method: str, scheme: str, sparsity: float) -> Bounds:
        for b in self.bounds:
            if b.method == method and scheme in b.schemes and math.isclose(b.sparsity, sparsity):
                return b
        raise InputError(f"no bounds for {method} with {scheme} at sparsity {sparsity:g} in update.bounds")


def cosine_fraction(epoch0: int, cfg: UpdateConfig, epochs: int) -> float:
    """RigL's update fraction at 0-based epoch `epoch0`; 0 from T_end on."""
    end = cfg.rigl_end_fraction * epochs
    return 0.0 if epoch0 >= end else cfg.rigl_alpha / 2 * (1 + math.cos(math.pi * epoch0 / end))


class MaskUpdater:
    """The update rule of one sparse method, applied by `update` at the start of 0-based epoch e."""

    def __init__(self, method: str, masks: MaskSet, cfg: UpdateConfig, epochs: int, sparsity: float):
        self.method, self.masks, self.cfg, self.epochs = method, masks, cfg, epochs
        self.bounds = cfg.bounds_for(method, masks.scheme, sparsity) if method in MEST_METHODS else None

    def stage(self, epoch0: int) -> int:
        return sum(epoch0 >= e for e in self.cfg.decay_epochs)

    def is_update_epoch(self, epoch0: int) -> bool:
        if self.method == "static" or epoch0 == 0:
            return False
        if self.method in ("set", "rigl"):
            return epoch0 % self.cfg.update_every == 0 and cosine_fraction(epoch0, self.cfg, self.epochs) > 0
        return epoch0 % self.cfg.update_every == 0 or epoch0 in self.cfg.decay_epochs

    def needs_gradients(self) -> bool:
        return self.method == "rigl" or (self.method in MEST_METHODS and self.cfg.lmd > 0)

    def initialise(self, generator: torch.Generator) -> None:
        """Random masks (static, SET, RigL), or the random-init weights pruned by magnitude to the
        target (MEST's --sp-prune-before-retrain)."""
        if self.method not in MEST_METHODS:
            self.masks.random_init(generator)
            return
        for name, sparsity in self.masks.profile.items():
            w = self.masks.weights[name]
            self.masks.prune(name, keep_count(self.masks.units(name), sparsity), self.masks.unit_scores(name, w))
        self.masks.commit()

    def update(self, epoch0: int, grads: Optional[Dict[str, torch.Tensor]], generator: torch.Generator) -> float:
        """Mutates every layer's mask; returns the share of active units that changed."""
        m = self.masks
        before = {n: k.clone() for n, k in m.state.items()}
        for name, w in m.weights.items():
            magnitude = m.unit_scores(name, w)
            if self.bounds is not None:
                i = self.stage(epoch0)
                score = magnitude + self.cfg.lmd * m.unit_scores(name, grads[name]) if grads else magnitude
                m.prune(name, keep_count(m.units(name), self.bounds.prune_to[i]), score)
                m.grow(name, keep_count(m.units(name), self.bounds.grow_to[i]), None, generator)
                continue
            active = m.active(name)
            n_swap = int(round(cosine_fraction(epoch0, self.cfg, self.epochs) * active))
            m.prune(name, active - n_swap, magnitude)
            priority = m.unit_scores(name, grads[name]) if self.method == "rigl" else None
            m.grow(name, active, priority, generator)
        m.commit()
        changed = sum(int((before[n] & ~k).sum()) for n, k in m.state.items())
        return changed / max(1, sum(int(k.sum()) for k in before.values()))
