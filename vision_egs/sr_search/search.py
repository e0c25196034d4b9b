"""The two searches after the supernet, over callables (a PSNR proxy, a latency predictor) so that the
recipe passes the supernet's validation PSNR and the measured table while tests pass cheap fakes:

- `evolutionary_search`: regularised evolution (Real et al., AAAI 2019; Zhan et al. use Bayesian
  optimisation, this is the evolutionary alternative the issue allows) over the supernet's
  sub-networks, maximising the proxy under a latency budget: a tournament picks the parent, a
  mutation redraws its depth and some widths, the child joins and the oldest member leaves. A child
  over the budget is repaired (random blocks narrowed a step, or the last one dropped) before it is
  scored, so no candidate over the budget is ever scored or returned.
- `pruning_ratio_search`: per-block channel pruning ratios for the chosen sub-network, greedy as
  NetAdapt (Yang et al., ECCV 2018): while the budget is missed, every block proposes its next
  ratio, and the proposal losing the least proxy per millisecond saved is taken.
Both assume latency grows with depth and width (the table's does): the smallest sub-network, and
every block at the largest ratio, are the cheapest.
"""
import logging
import random
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, List, Sequence, Tuple

from recipe_common.errors import InputError
from recipe_common.logging import Progress
from vision_egs.sr_search.supernet import SearchSpace, SubnetChoice

Ratios = Tuple[float, ...]


@dataclass(frozen=True)
class Candidate:
    choice: SubnetChoice
    proxy: float  # higher is better (dB)
    latency_ms: float


@dataclass
class SearchResult:
    best: Candidate
    evaluated: List[Candidate]  # every distinct candidate scored, in order (the Pareto plot's points)


def evolutionary_search(space: SearchSpace, proxy: Callable[[SubnetChoice], float],
                        latency: Callable[[SubnetChoice], float], budget_ms: float, population: int = 16,
                        cycles: int = 64, tournament: int = 4, mutation: float = 0.25,
                        seed: int = 0) -> SearchResult:
    """The candidate of highest proxy (then lowest latency) scored; each is scored once."""
    cheapest = latency(space.smallest())
    if cheapest > budget_ms:
        raise InputError(f"latency budget {budget_ms:.2f} ms is below every candidate: the cheapest sub-network "
                         f"({space.smallest()}) takes {cheapest:.2f} ms")
    rng = random.Random(seed)
    scored: Dict[SubnetChoice, Candidate] = {}

    def score(choice: SubnetChoice) -> Candidate:
        if choice not in scored:
            scored[choice] = Candidate(choice, proxy(choice), latency(choice))
        return scored[choice]

    def repair(widths: List[int]) -> SubnetChoice:
        while latency(SubnetChoice(tuple(widths))) > budget_ms:
            narrowable = [i for i, w in enumerate(widths) if w > space.widths[0]]
            if len(widths) > space.min_depth and (not narrowable or rng.random() < 0.5):
                widths.pop()
            else:
                i = rng.choice(narrowable)
                widths[i] = space.widths[space.widths.index(widths[i]) - 1]
        return SubnetChoice(tuple(widths))

    def mutate(parent: SubnetChoice) -> List[int]:
        depth = rng.randint(space.min_depth, space.max_depth) if rng.random() < mutation else parent.depth
        widths = [parent.widths[i] if i < parent.depth else rng.choice(space.widths) for i in range(depth)]
        return [rng.choice(space.widths) if rng.random() < mutation else w for w in widths]

    def rank(c: Candidate) -> Tuple[float, float]:
        return c.proxy, -c.latency_ms

    members = deque(score(repair(list(space.sample(rng).widths))) for _ in range(population))
    progress = Progress(cycles)
    for cycle in range(1, cycles + 1):
        parent = max(rng.sample(list(members), min(tournament, len(members))), key=rank)
        members.append(score(repair(mutate(parent.choice))))
        members.popleft()
        if cycle % max(1, cycles // 5) == 0:
            best = max(scored.values(), key=rank)
            logging.info(f"search cycle {cycle}/{cycles}: best {best.choice} proxy {best.proxy:.3f}, "
                         f"{best.latency_ms:.2f} ms (budget {budget_ms:.2f}), {len(scored)} scored | {progress.eta_str(cycle)}")
    return SearchResult(max(scored.values(), key=rank), list(scored.values()))


def pruning_ratio_search(blocks: int, ratios: Sequence[float], proxy: Callable[[Ratios], float],
                         latency: Callable[[Ratios], float], budget_ms: float) -> Ratios:
    """One ratio per block from `ratios` (0 added), the least pruning that meets the budget greedily.
    Each distinct ratio tuple is scored once."""
    proxy, latency = lru_cache(maxsize=None)(proxy), lru_cache(maxsize=None)(latency)
    levels = sorted(set(ratios) | {0.0})
    floor = (levels[-1],) * blocks
    current = (0.0,) * blocks
    if latency(current) <= budget_ms:  # also where measured noise makes a pruned block the slower one
        return current
    if latency(floor) > budget_ms:
        raise InputError(f"latency budget {budget_ms:.2f} ms cannot be met by pruning: every block pruned by "
                         f"{levels[-1]:g} takes {latency(floor):.2f} ms")
    while latency(current) > budget_ms:
        proposals = [current[:i] + (levels[levels.index(r) + 1],) + current[i + 1:]
                     for i, r in enumerate(current) if r < levels[-1]]
        now_proxy, now_ms = proxy(current), latency(current)
        saving = [p for p in proposals if latency(p) < now_ms]
        current = min(saving, key=lambda p: (now_proxy - proxy(p)) / (now_ms - latency(p))) if saving \
            else max(proposals, key=proxy)
        logging.info(f"pruning ratios {current}: proxy {proxy(current):.3f}, {latency(current):.2f} ms "
                     f"(budget {budget_ms:.2f})")
    return current
