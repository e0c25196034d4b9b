"""Agglomerative hierarchical clustering of sub-segments, with or without a location model.

The affinity of two clusters is the average cosine similarity of their members' embeddings; with
a location model it gains `weight` times the log-likelihood ratio that one azimuth track (rather
than two) produced both clusters' DOA observations,

    LLR(A, B) = log p(z_{A u B} | one track) - log p(z_A | track) - log p(z_B | track),

per observation of the smaller cluster (tracking.py: a Kalman filter bank per cluster, or its
stationary model alone). The pair of highest affinity merges until none reaches the threshold,
so the LLR shapes both the merge order and the stopping decision. The whole merge sequence is kept,
so that any threshold can be read off one run.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from diarization.tracking import TrackerConfig, track


@dataclass
class MergeHistory:
    """Merges in order: (kept cluster, absorbed cluster, affinity)."""
    n: int
    merges: List[Tuple[int, int, float]]

    def labels(self, threshold: float) -> List[int]:
        """Cluster label of every item after all merges with affinity >= threshold (greedy order)."""
        parent = list(range(self.n))

        def root(i: int) -> int:
            while parent[i] != i:
                i = parent[i]
            return i

        for keep, absorb, score in self.merges:
            if score < threshold:
                break
            parent[root(absorb)] = root(keep)
        roots = [root(i) for i in range(self.n)]
        canonical: Dict[int, int] = {}
        return [canonical.setdefault(r, len(canonical)) for r in roots]


class LocationModel:
    """Log-likelihoods of clusters' DOA sequences under one track, cached per member set."""

    def __init__(self, models: Sequence[TrackerConfig], times: Sequence[float], azimuths: Sequence[float]):
        self.models, self.times, self.azimuths = list(models), list(times), list(azimuths)
        self._cache: Dict[Tuple[int, ...], float] = {}

    def loglik(self, members: Sequence[int]) -> float:
        key = tuple(sorted(members, key=lambda i: (self.times[i], i)))
        if key not in self._cache:
            self._cache[key] = track(self.models, [(self.times[i], self.azimuths[i]) for i in key])[0]
        return self._cache[key]

    def llr(self, a: Sequence[int], b: Sequence[int]) -> float:
        return (self.loglik([*a, *b]) - self.loglik(a) - self.loglik(b)) / min(len(a), len(b))


def ahc(embeddings: np.ndarray, location: Optional[LocationModel] = None, weight: float = 0.0,
        stop_below: float = -np.inf) -> MergeHistory:
    """Merges until one cluster is left or the best affinity falls below `stop_below`."""
    n = len(embeddings)
    sims = embeddings @ embeddings.T
    members: Dict[int, List[int]] = {i: [i] for i in range(n)}
    pair_sum: Dict[Tuple[int, int], float] = {(i, j): float(sims[i, j]) for i in range(n) for j in range(i + 1, n)}

    def affinity(a: int, b: int) -> float:
        score = pair_sum[(a, b)] / (len(members[a]) * len(members[b]))
        if location is not None and weight:
            score += weight * location.llr(members[a], members[b])
        return score

    scores = {pair: affinity(*pair) for pair in pair_sum}
    merges: List[Tuple[int, int, float]] = []
    while len(members) > 1:
        (a, b), best = max(scores.items(), key=lambda kv: kv[1])
        if best < stop_below:
            break
        merges.append((a, b, best))
        members[a] += members.pop(b)
        for c in members:
            if c == a:
                continue
            ab, bc = (min(a, c), max(a, c)), (min(b, c), max(b, c))
            pair_sum[ab] += pair_sum.pop(bc)
        for pair in [p for p in scores if b in p or a in p]:
            del scores[pair]
        pair_sum = {p: v for p, v in pair_sum.items() if b not in p}
        for c in members:
            if c != a:
                pair = (min(a, c), max(a, c))
                scores[pair] = affinity(*pair)
    return MergeHistory(n, merges)


def cluster_tracks(models: Sequence[TrackerConfig], labels: Sequence[int], times: Sequence[float],
                   azimuths: Sequence[float]) -> List[float]:
    """Each item's tracked azimuth: the filtered state of its cluster's track at its time."""
    out = [0.0] * len(labels)
    for label in set(labels):
        idx = sorted((i for i, lab in enumerate(labels) if lab == label), key=lambda i: times[i])
        _, path = track(models, [(times[i], azimuths[i]) for i in idx])
        for i, az in zip(idx, path):
            out[i] = az
    return out
