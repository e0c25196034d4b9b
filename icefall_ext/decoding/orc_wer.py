"""ORC-WER (optimal reference combination WER, SURT's metric), scored with meeteval.

Each reference (one per speaker) goes whole to one output channel, the assignment chosen that
minimises the errors of the channels' hypotheses against their references concatenated in
order; a channel may receive several references or none. meeteval's orc_word_error_rate does the
search; this module gives it our shapes, sums errors and reference words over a set (the rate of
a set is the sum of errors over the sum of reference words, not a mean of rates), and bins the
mixtures by overlap ratio as the LibriCSS tables do.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from meeteval.wer import orc_word_error_rate

from recipe_common.errors import InputError

DEFAULT_OVERLAP_BINS = (0.0, 0.1, 0.2, 0.3, 0.4, 1.0)


@dataclass
class OrcScore:
    errors: int = 0
    length: int = 0  # reference words
    insertions: int = 0
    deletions: int = 0
    substitutions: int = 0
    mixtures: int = 0
    assignments: List[Tuple[int, ...]] = field(default_factory=list)  # per mixture: channel of each reference

    @property
    def rate(self) -> float:
        return self.errors / self.length if self.length else 0.0

    def add(self, other: "OrcScore") -> None:
        for name in ("errors", "length", "insertions", "deletions", "substitutions", "mixtures"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.assignments.extend(other.assignments)


def score_mixture(references: Sequence[str], hypotheses: Sequence[str]) -> OrcScore:
    """ORC-WER counts of one mixture: references (one text per speaker, in start order) against
    the channels' hypotheses (one text per output channel)."""
    if not hypotheses:
        raise InputError("ORC-WER needs at least one hypothesis channel, not 0")
    # Plain strings carry no times: meeteval keeps the given order (its sort needs timestamps).
    r = orc_word_error_rate(list(references), list(hypotheses), reference_sort=False, hypothesis_sort=False)
    return OrcScore(r.errors, r.length, r.insertions, r.deletions, r.substitutions, 1, [tuple(r.assignment)])


def score_set(mixtures: Dict[str, Tuple[Sequence[str], Sequence[str]]]) -> OrcScore:
    """Summed counts over {mixture id: (references, hypotheses)}; every mixture must have as many
    channels as the first (one line naming the first that has not)."""
    total = OrcScore()
    width = None
    for mixture_id, (refs, hyps) in mixtures.items():
        width = len(hyps) if width is None else width
        if len(hyps) != width:
            raise InputError(f"mixture '{mixture_id}' has {len(hyps)} hypothesis channels, the first of the set {width}")
        total.add(score_mixture(refs, hyps))
    return total


def overlap_bin(ratio: float, edges: Sequence[float]) -> str:
    """The label "lo-hi" of the bin [lo, hi) holding `ratio` (the last bin closed)."""
    for lo, hi in zip(edges[:-1], edges[1:]):
        if lo <= ratio < hi or (hi == edges[-1] and ratio == hi):
            return f"{lo:g}-{hi:g}"
    raise InputError(f"overlap ratio {ratio} is outside the bins {edges[0]:g}-{edges[-1]:g}")


def score_by_overlap(
    mixtures: Dict[str, Tuple[float, Sequence[str], Sequence[str]]], edges: Sequence[float] = DEFAULT_OVERLAP_BINS
) -> Dict[str, OrcScore]:
    """{bin label: summed counts} over {mixture id: (overlap ratio, references, hypotheses)}, the bins
    in order and "all" last; empty bins are kept, with zero counts."""
    if len(edges) < 2 or any(a >= b for a, b in zip(edges[:-1], edges[1:])):
        raise ValueError(f"overlap bin edges must be at least two, increasing, not {list(edges)}")
    out = {overlap_bin((lo + hi) / 2, edges): OrcScore() for lo, hi in zip(edges[:-1], edges[1:])}
    out["all"] = OrcScore()
    for mixture_id, (ratio, refs, hyps) in mixtures.items():
        score = score_mixture(refs, hyps)
        out[overlap_bin(ratio, edges)].add(score)
        out["all"].add(score)
    return out
