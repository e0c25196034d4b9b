"""Two-talker mixtures by the LibriSpeechMix protocol (Kanda et al., arXiv 2003.12687), from any
corpus of single-speaker cuts (AN4, speechocean762), built with lhotse's cut mixing.

Each mixture is a lhotse MixedCut of a first utterance and a second one of another speaker of the
same split, delayed so that the two overlap partly and scaled to a random relative level; lhotse
mixes the audio (or the precomputed features) when the mixture is loaded, so nothing is written.
The mixture keeps the two source supervisions, each shifted to its start time in the mixture:
one reference per speaker, as the HEAT assignment (icefall_ext/losses/heat.py) and ORC-WER read.

LibriSpeechMix's delay rule (its README and the SOT paper): the second utterance starts at least
0.5 s after the first and before the first ends, uniformly in between; the mixtures are built per
split, so that no split's speakers meet another's.
"""
import random
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from lhotse import CutSet
from lhotse.cut import Cut, MixedCut

from recipe_common.errors import InputError

DELAY_RULES = ("librispeechmix", "uniform")


@dataclass
class MixtureConfig:
    # librispeechmix: delay ~ U[min_delay, duration of the first utterance) (LibriSpeechMix);
    # uniform: delay ~ U[min_delay, max_delay] seconds, clipped below the first's duration so that they overlap.
    delay_rule: str = "librispeechmix"
    min_delay: float = 0.5
    max_delay: Optional[float] = None  # seconds; the uniform rule only
    max_level_db: float = 5.0  # the second talker's level relative to the first ~ U[-max, +max] dB
    mixtures_per_utterance: int = 1  # each utterance is the first talker of this many mixtures
    seed: int = 0

    def __post_init__(self):
        if self.delay_rule not in DELAY_RULES:
            raise ValueError(f"delay_rule must be one of {', '.join(DELAY_RULES)}, not {self.delay_rule!r}")
        if self.min_delay < 0:
            raise ValueError(f"min_delay must be >= 0, not {self.min_delay}")
        if self.delay_rule == "uniform" and (self.max_delay is None or self.max_delay < self.min_delay):
            raise ValueError(f"the uniform delay rule needs max_delay >= min_delay {self.min_delay}, not {self.max_delay}")
        if self.max_level_db < 0:
            raise ValueError(f"max_level_db must be >= 0, not {self.max_level_db}")
        if self.mixtures_per_utterance <= 0:
            raise ValueError(f"mixtures_per_utterance must be positive, not {self.mixtures_per_utterance}")


def draw_delay(first_duration: float, cfg: MixtureConfig, rng: random.Random) -> Optional[float]:
    """The second talker's start in seconds after the first's, or None where the first utterance is
    too short for the rule to give a partial overlap (it is then not used as a first talker)."""
    high = first_duration if cfg.delay_rule == "librispeechmix" else min(cfg.max_delay, first_duration)
    if high <= cfg.min_delay:
        return None
    return rng.uniform(cfg.min_delay, high)


def speaker_of(cut: Cut) -> str:
    """The one speaker of a single-talker source cut; one line where it has none or several."""
    if len(cut.supervisions) != 1 or not cut.supervisions[0].speaker:
        raise InputError(f"cut '{cut.id}': a mixture source needs exactly one supervision with a speaker, "
                         f"not {len(cut.supervisions)}")
    return cut.supervisions[0].speaker


def mix_pair(first: Cut, second: Cut, delay: float, level_db: float) -> MixedCut:
    """The MixedCut of `first` and `second` started `delay` s later at `level_db` dB relative to
    `first` (lhotse's snr is the reference's level over the mixed-in cut's); the id names both."""
    mixed = first.mix(second, offset_other_by=delay, snr=-level_db)
    return mixed.with_id(f"{first.id}_mix_{second.id}")


def mix_split(cuts: CutSet, cfg: MixtureConfig, split: str = "") -> CutSet:
    """The mixtures of one split: each utterance, in a seeded shuffled order, is the first talker of
    cfg.mixtures_per_utterance mixtures with a partner drawn from the other speakers of the split."""
    sources = sorted(cuts, key=lambda c: c.id)  # the draw depends on the ids, not the manifest order
    speakers = [speaker_of(c) for c in sources]
    if len(set(speakers)) < 2:
        raise InputError(f"split '{split}': two-talker mixtures need at least two speakers, not {len(set(speakers))}")
    rng = random.Random(f"{cfg.seed}/{split}")
    order = list(range(len(sources)))
    rng.shuffle(order)
    mixtures = []
    for i in order:
        for _ in range(cfg.mixtures_per_utterance):
            delay = draw_delay(sources[i].duration, cfg, rng)
            if delay is None:
                continue
            j = rng.randrange(len(sources))
            while speakers[j] == speakers[i]:
                j = rng.randrange(len(sources))
            level_db = rng.uniform(-cfg.max_level_db, cfg.max_level_db)
            mixtures.append(mix_pair(sources[i], sources[j], delay, level_db))
    return CutSet.from_cuts(mixtures)


def is_speed_copy(cut: Cut) -> bool:
    """A speed-perturbed copy (lhotse's perturb_speed: a Speed transform on the recording)."""
    transforms = cut.recording.transforms if cut.has_recording else None
    return any(type(t).__name__ == "Speed" or (isinstance(t, dict) and t.get("name") == "Speed") for t in transforms or [])


def check_speakers_disjoint(cuts_by_split: Dict[str, CutSet], may_share: Sequence[Tuple[str, str]] = ()) -> None:
    """One line naming a speaker found in two splits: a mixture test set must hold unseen talkers.
    may_share: pairs of splits allowed to share speakers (AN4's train_dev is cut out of train)."""
    allowed = {frozenset(pair) for pair in may_share}
    speakers = {split: {speaker_of(c) for c in cuts} for split, cuts in cuts_by_split.items()}
    names = list(speakers)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            common = sorted(speakers[a] & speakers[b])
            if common and frozenset((a, b)) not in allowed:
                raise InputError(f"speaker '{common[0]}' is in both split '{a}' and split '{b}'")


def mix_splits(cuts_by_split: Dict[str, CutSet], cfg: MixtureConfig,
               may_share: Sequence[Tuple[str, str]] = ()) -> Dict[str, CutSet]:
    """{split: mixtures of that split's cuts alone}; the splits' speakers must be disjoint, but for
    the pairs of may_share."""
    check_speakers_disjoint(cuts_by_split, may_share)
    return {split: mix_split(cuts, cfg, split) for split, cuts in cuts_by_split.items()}


def mixture_overlap(mixture: Cut) -> Tuple[float, float]:
    """(seconds both talkers speak, that over the mixture's duration: the overlap ratio LibriCSS and
    the ORC-WER bins use), from the mixture's supervisions."""
    sups = sorted(mixture.supervisions, key=lambda s: s.start)
    overlap = sum(
        max(0.0, min(a.end, b.end) - max(a.start, b.start)) for k, a in enumerate(sups) for b in sups[k + 1 :]
    )
    return overlap, overlap / mixture.duration


def references_by_speaker(mixture: Cut) -> List[Tuple[str, float, str]]:
    """(speaker, start in the mixture, text) of each talker, by start time."""
    return [(s.speaker, s.start, s.text) for s in sorted(mixture.supervisions, key=lambda s: s.start)]
