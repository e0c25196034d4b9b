"""Pruning-scheme mapping: choosing each layer's scheme, block size and rate.

Both methods read the measured latency table and an accuracy proxy:
- the proxy of a choice is the loss increase that Optimal Brain Damage predicts for the weights it
  removes, 0.5 * F_ii * w_i^2 summed, with F the empirical Fisher (mean squared gradient) on
  calibration images; it adds up over layers;
- rule-based: layers are ranked by mean saliency, the most sensitive share starts at the lowest
  rate; every layer takes, among the choices at its rate within `slack` of the fastest, the one
  with the smallest proxy; while the budget is missed, all rates step up together;
- search-based: an evolutionary search (tournament selection, uniform crossover, per-gene
  mutation, repair towards faster choices, elitism) over the choice of every layer, minimising the
  proxy under the latency budget.
The layer table misjudges what a whole pruned network gains, so `calibrate_budget` closes the loop:
it measures the mapped network end to end and tightens the budget while the measured speedup
falls short of the target (a bounded number of rounds).

Inside a channel chain only the producer removes chain channels (its `filter` choice); the
consumer's `channel` choice would remove the same channels again and is not offered there.
"""
import json
import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from recipe_common.errors import InputError
from recipe_common.io import write_text_atomic
from vision_egs.common.data import ImageSet, shard_batches
from vision_egs.pruning.latency import LatencyTable, LayerSite
from vision_egs.pruning.layers import channel_chains, layer_dict, prunable_layers
from vision_egs.pruning.masks import LayerChoice, Mapping, parse_choice
from vision_egs.pruning.schemes import Scheme, gemm_shape, scheme_mask


@dataclass
class CandidateSpace:
    schemes: Sequence[str]  # unstructured | filter | channel | pattern | block
    block_rows: Sequence[int]  # R of block:RxC
    block_col_splits: Sequence[int]  # C = GEMM columns / split
    sparsities: Sequence[float]


def layer_candidates(weight: torch.Tensor, space: CandidateSpace, chain_consumer: bool) -> List[Optional[LayerChoice]]:
    """Dense (None) and every valid choice of the space for a layer of this weight."""
    rows, cin, k2 = gemm_shape(weight)
    schemes: List[Scheme] = []
    for name in space.schemes:
        if name == "block":
            for r in space.block_rows:
                for split in space.block_col_splits:
                    cols = cin * k2 // split
                    if r <= rows and rows % r == 0 and cin % split == 0 and cols > 0:
                        schemes.append(Scheme("block", r, cols))
        elif name == "pattern" and tuple(weight.shape[2:]) != (3, 3):
            continue
        elif name == "channel" and chain_consumer:
            continue
        else:
            schemes.append(Scheme(name))
    return [None] + [LayerChoice(s, rate) for rate in space.sparsities for s in schemes]


def fisher_saliency(model: nn.Module, images: ImageSet, batch_size: int,
                    names: Sequence[str]) -> Dict[str, torch.Tensor]:
    """0.5 * F_ii * w_i^2 per weight of the named layers (F: mean squared batch gradient)."""
    layers = layer_dict(model)
    fisher = {n: torch.zeros_like(layers[n].module.weight) for n in names}
    model.eval()
    batches = list(shard_batches(len(images), batch_size, shuffle=False))
    for idx in batches:
        model.zero_grad()
        F.cross_entropy(model(images.images[idx].float() / 255.0), images.labels[idx]).backward()
        for n in names:
            fisher[n] += layers[n].module.weight.grad.detach() ** 2 / len(batches)
    model.zero_grad()
    return {n: 0.5 * fisher[n] * layers[n].module.weight.detach() ** 2 for n in names}


@dataclass
class MappingProblem:
    """Everything both mapping methods need, independent of the model once built."""
    names: List[str]  # prunable layers, in order
    candidates: List[List[Optional[LayerChoice]]]
    proxy: List[List[float]]  # predicted loss increase per candidate
    sites: Dict[str, LayerSite]  # every conv/linear layer
    producer: Dict[str, str]  # chain consumer -> producer
    table: LatencyTable
    rest_ms: float
    mean_saliency: List[float]

    def choice_of(self, genome: Sequence[int], name: str) -> Optional[LayerChoice]:
        if name not in self._index:
            return None
        i = self._index[name]
        return self.candidates[i][genome[i]]

    def __post_init__(self):
        self._index = {n: i for i, n in enumerate(self.names)}

    def in_keep(self, genome: Sequence[int], name: str) -> float:
        prod = self.producer.get(name)
        choice = self.choice_of(genome, prod) if prod else None
        return 1.0 - choice.sparsity if choice is not None and choice.scheme.name == "filter" else 1.0

    def latency(self, genome: Sequence[int]) -> float:
        return self.rest_ms + sum(self.table.lookup(site, self.choice_of(genome, name), self.in_keep(genome, name))
                                  for name, site in self.sites.items())

    def cost(self, genome: Sequence[int]) -> float:
        return sum(self.proxy[i][g] for i, g in enumerate(genome))

    def mapping(self, genome: Sequence[int]) -> Mapping:
        return {n: c for n, g, cands in zip(self.names, genome, self.candidates) if (c := cands[g]) is not None}

    def fastest(self) -> List[int]:
        """Layer by layer in network order, the fastest choice given the producers' choices."""
        genome = [0] * len(self.names)
        for i, name in enumerate(self.names):
            keep = self.in_keep(genome, name)
            site = self.sites[name]
            genome[i] = min(range(len(self.candidates[i])),
                            key=lambda j: self.table.lookup(site, self.candidates[i][j], keep))
        return genome


def build_problem(model: nn.Module, space: CandidateSpace, saliency: Dict[str, torch.Tensor],
                  sites: Dict[str, LayerSite], table: LatencyTable, rest_ms: float) -> MappingProblem:
    chains = channel_chains(model)
    consumers = {c for _, c in chains}
    names = [layer.name for layer in prunable_layers(model)]
    layers = layer_dict(model)
    candidates, proxy = [], []
    for name in names:
        weight = layers[name].module.weight.detach()
        cands = layer_candidates(weight, space, name in consumers)
        candidates.append(cands)
        proxy.append([0.0 if c is None else
                      float((saliency[name] * (1 - scheme_mask(weight, c.scheme, c.sparsity, name))).sum())
                      for c in cands])
    mean_sal = [float(saliency[n].mean()) for n in names]
    return MappingProblem(names, candidates, proxy, sites, {c: p for p, c in chains}, table, rest_ms, mean_sal)


def check_budget(problem: MappingProblem, budget_ms: float) -> None:
    fastest = problem.latency(problem.fastest())
    if fastest > budget_ms:
        raise InputError(f"latency budget {budget_ms:.2f} ms cannot be met: the fastest mapping of the candidate "
                         f"space takes {fastest:.2f} ms")


def rule_mapping(problem: MappingProblem, budget_ms: float, sensitive_fraction: float, slack: float) -> List[int]:
    rates = sorted({c.sparsity for cands in problem.candidates for c in cands if c is not None})
    order = sorted(range(len(problem.names)), key=lambda i: -problem.mean_saliency[i])
    sensitive = set(order[:int(round(sensitive_fraction * len(order)))])
    level = [0 if i in sensitive else min(1, len(rates) - 1) for i in range(len(problem.names))]

    def pick(levels: List[int]) -> List[int]:
        genome = [0] * len(problem.names)
        for i, name in enumerate(problem.names):
            keep = problem.in_keep(genome, name)
            rate = rates[levels[i]]
            at_rate = [j for j, c in enumerate(problem.candidates[i]) if c is not None and c.sparsity == rate]
            lat = {j: problem.table.lookup(problem.sites[name], problem.candidates[i][j], keep) for j in at_rate}
            near = [j for j in at_rate if lat[j] <= (1 + slack) * min(lat.values())]
            genome[i] = min(near, key=lambda j: problem.proxy[i][j])
        return genome

    genome = pick(level)
    while problem.latency(genome) > budget_ms:
        group = [i for i in range(len(level)) if i not in sensitive and level[i] < len(rates) - 1] or \
                [i for i in range(len(level)) if level[i] < len(rates) - 1]
        if not group:
            logging.warning(f"rule mapping: {problem.latency(genome):.2f} ms at the highest rates, over the budget "
                            f"{budget_ms:.2f} ms")
            break
        for i in group:
            level[i] += 1
        genome = pick(level)
    return genome


def evolutionary_search(problem: MappingProblem, budget_ms: float, population: int, generations: int,
                        mutation: float, seed: int) -> List[int]:
    """The genome of lowest proxy found; every member of the population meets the budget."""
    rng = random.Random(seed)
    fastest = problem.fastest()
    n = len(problem.names)

    def repair(genome: List[int]) -> List[int]:
        """Moves random layers to their fastest choice until the budget is met."""
        genome = list(genome)
        slow = [i for i in range(n) if genome[i] != fastest[i]]
        rng.shuffle(slow)
        while slow and problem.latency(genome) > budget_ms:
            i = slow.pop()
            genome[i] = fastest[i]
        return genome if problem.latency(genome) <= budget_ms else list(fastest)

    def random_genome() -> List[int]:
        return repair([rng.randrange(len(c)) for c in problem.candidates])

    pop = [list(fastest)] + [random_genome() for _ in range(population - 1)]
    scored = sorted(((problem.cost(g), g) for g in pop), key=lambda t: t[0])
    for gen in range(1, generations + 1):
        children = []
        for _ in range(population):
            a = min(rng.sample(scored, min(3, len(scored))), key=lambda t: t[0])[1]
            b = min(rng.sample(scored, min(3, len(scored))), key=lambda t: t[0])[1]
            child = [a[i] if rng.random() < 0.5 else b[i] for i in range(n)]
            for i in range(n):
                if rng.random() < mutation:
                    child[i] = rng.randrange(len(problem.candidates[i]))
            children.append(repair(child))
        merged = {tuple(g): c for c, g in scored}
        merged.update({tuple(g): problem.cost(g) for g in children})
        scored = sorted(((c, list(g)) for g, c in merged.items()), key=lambda t: t[0])[:population]
        if gen % max(1, generations // 5) == 0 or gen == generations:
            best_cost, best = scored[0]
            logging.info(f"search generation {gen}/{generations}: proxy {best_cost:.4g}, "
                         f"{problem.latency(best):.2f} ms (budget {budget_ms:.2f})")
    return scored[0][1]


@dataclass
class CalibratedMapping:
    genome: List[int]
    budget_ms: float  # the predicted-latency budget this genome was mapped under
    measured_speedups: List[float]  # end to end, one per round; the last is this genome's


def calibrate_budget(map_under: Callable[[float], List[int]], measure: Callable[[List[int]], float],
                     problem: MappingProblem, budget_ms: float, target: float, rounds: int) -> CalibratedMapping:
    """Maps under `budget_ms`, measures the mapping's end-to-end speedup, and while it falls short of
    `target` scales the budget by measured / target and maps again, `rounds` times at most (the last
    mapping is kept even if it still falls short). Stops early at the fastest mapping of the space,
    which no budget can improve on."""
    floor = problem.latency(problem.fastest())
    measured: List[float] = []
    for round_ in range(rounds + 1):
        if round_:
            budget_ms = max(budget_ms * measured[-1] / target, floor)
        genome = map_under(budget_ms)
        measured.append(measure(genome))
        logging.info(f"calibration round {round_}: budget {budget_ms:.2f} ms, {problem.latency(genome):.2f} ms "
                     f"predicted, {measured[-1]:.3f}x measured (target {target:.3f}x)")
        if measured[-1] >= target or budget_ms <= floor:
            break
    return CalibratedMapping(genome, budget_ms, measured)


def save_mapping(path: Path, problem: MappingProblem, genome: Sequence[int], method: str, budget_ms: float,
                 measured_speedups: Sequence[float] = ()) -> None:
    """JSON: the per-layer choice, its predicted latency and proxy, the totals, and the end-to-end
    speedups measured while the budget was calibrated."""
    layers = {}
    for i, name in enumerate(problem.names):
        choice = problem.candidates[i][genome[i]]
        layers[name] = {"choice": str(choice) if choice else "dense",
                        "latency_ms": problem.table.lookup(problem.sites[name], choice, problem.in_keep(genome, name)),
                        "proxy": problem.proxy[i][genome[i]]}
    write_text_atomic(path, json.dumps({"method": method, "budget_ms": budget_ms,
                                        "predicted_ms": problem.latency(genome), "proxy": problem.cost(genome),
                                        "measured_speedups": list(measured_speedups), "layers": layers}, indent=1))


def load_mapping(path: Path) -> Mapping:
    if not Path(path).is_file():
        raise InputError(f"{path}: mapping file does not exist (run the mapping stage)")
    try:
        layers = json.loads(Path(path).read_text())["layers"]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise InputError(f"{path}: not a mapping file ({e})")
    return {name: parse_choice(v["choice"]) for name, v in layers.items() if v["choice"] != "dense"}


def format_mapping(problem: MappingProblem, genome: Sequence[int]) -> str:
    """One line per layer, for the log and the terminal."""
    lines = []
    for i, name in enumerate(problem.names):
        choice = problem.candidates[i][genome[i]]
        lat = problem.table.lookup(problem.sites[name], choice, problem.in_keep(genome, name))
        lines.append(f"  {name:24s} {str(choice) if choice else 'dense':24s} {lat:7.3f} ms")
    return "\n".join(lines)
