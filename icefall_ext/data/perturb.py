"""Perturbations of the training cuts applied when their features are computed (lhotse
transforms on the audio): icefall's speed-perturbed copies, and a random gain per cut.

The gain (lhotse `perturb_volume`, sox's `vol`) teaches the model that the recording level
carries no information: sherpa-onnx computes its features from the samples as they come, so a
quiet speaker must be recognised as he is. Normalising the level instead would have to live
inside the exported encoder, need the whole utterance (no streaming) and lift silence and
noise-only input up to the level of speech, the opposite of what an empty transcript needs.
"""
import random
from typing import Sequence

from lhotse import CutSet


def perturb_training_cuts(cuts: CutSet, speed_factors: Sequence[float] = (), volume_db: Sequence[float] = (),
                          seed: int = 0) -> CutSet:
    """`cuts` plus one speed-perturbed copy per factor; then, when volume_db = (low, high) is
    given, every cut (copies included) scaled by a gain drawn uniformly in dB from that range,
    the same for a cut id on every run."""
    out = cuts
    for factor in speed_factors:
        out = out + cuts.perturb_speed(factor)
    if not volume_db:
        return out
    if len(volume_db) != 2 or volume_db[0] > volume_db[1]:
        raise ValueError(f"volume perturbation needs [low_db, high_db], not {list(volume_db)}")
    low, high = volume_db

    def gain(cut):
        db = random.Random(f"{seed}-{cut.id}").uniform(low, high)
        return cut.perturb_volume(10 ** (db / 20), affix_id=False)

    return CutSet.from_cuts(gain(c) for c in out)
