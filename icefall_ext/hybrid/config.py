"""The hybrid recipe's config (egs/*/s5/conf/*.yaml): one section per stage kind."""
from dataclasses import dataclass, field
from typing import List

from icefall_ext.hybrid.mono import MonoConfig


@dataclass
class LmSection:
    discount: float = 0.75       # Kneser-Ney absolute discount of the word bigram


@dataclass
class HybridDecodeSection:
    """decode.sh's defaults; lm_weights are Kaldi's LMWT (acoustic scale 1/LMWT), swept on dev."""

    beam: float = 13.0
    lattice_beam: float = 6.0
    max_active: int = 7000
    lm_weights: List[float] = field(default_factory=lambda: [7.0, 9.0, 11.0, 13.0, 15.0, 17.0])
    # words left out of hypotheses before scoring (Kaldi's non-scoring words: AN4's silence filler)
    non_scoring_words: List[str] = field(default_factory=lambda: ["<sil>"])

    def __post_init__(self):
        if not self.lm_weights or min(self.lm_weights) <= 0:
            raise ValueError("lm_weights: give at least one, each > 0")


@dataclass
class HybridResultsSection:
    max_wer: dict = field(default_factory=dict)   # {test set: WER %} the run must reach (checked in RESULTS.md)


@dataclass
class HybridRecipeConfig:
    mono: MonoConfig = field(default_factory=MonoConfig)
    lm: LmSection = field(default_factory=LmSection)
    decode: HybridDecodeSection = field(default_factory=HybridDecodeSection)
    results: HybridResultsSection = field(default_factory=HybridResultsSection)
