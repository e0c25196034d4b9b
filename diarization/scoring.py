"""Scoring a diariser: DER as md-eval computes it (overlapped speech scored; collar as given), the
speaker-count error, the location tracking error of the diarisers that track, and where the front
end's DOAs point (the particle filter's model of outlying DOAs rests on it)."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np

from diarization.array import wrap_angle
from diarization.frontend import SubSegment
from diarization.rttm import Turn


def labels_to_turns(recording: str, segs: Sequence[SubSegment], labels: Sequence[int]) -> List[Turn]:
    """Turns from labelled, possibly overlapping sub-segments: where two overlap, the boundary goes
    to the middle of the overlap (as Kaldi's make_rttm.py); adjacent pieces of one speaker merge."""
    order = sorted(range(len(segs)), key=lambda i: segs[i].start)
    pieces = []
    for n, i in enumerate(order):
        start, end = segs[i].start, segs[i].end
        if n > 0 and segs[order[n - 1]].end > start:
            start = 0.5 * (start + segs[order[n - 1]].end)
        if n + 1 < len(order) and segs[order[n + 1]].start < end:
            end = 0.5 * (end + segs[order[n + 1]].start)
        pieces.append([start, end, labels[i]])
    turns: List[List] = []
    for p in pieces:
        if turns and turns[-1][2] == p[2] and p[0] - turns[-1][1] < 1e-6:
            turns[-1][1] = p[1]
        else:
            turns.append(p)
    return [Turn(recording, round(a, 3), round(b - a, 3), f"spk{lab}") for a, b, lab in turns if b > a]


def _annotation(turns: Sequence[Turn]):
    from pyannote.core import Annotation, Segment

    ann = Annotation()
    for i, t in enumerate(turns):
        ann[Segment(t.start, t.end), i] = t.speaker
    return ann


def _uem(duration: float):
    from pyannote.core import Segment, Timeline

    return Timeline([Segment(0.0, duration)])


def _whole_recording_mapping(ref, hyp, uem) -> Dict:
    """md-eval's speaker mapping (md-eval-22.pl, score_speaker_diarization and map_speakers): the
    one-to-one map that maximises the time each mapped pair talks at once, counted over the whole
    evaluated recording, before any collar is removed; pairs that never talk at once stay unmapped.
    The assignment is pyannote's Hungarian one."""
    from pyannote.metrics.matcher import HungarianMapper

    return HungarianMapper()(hyp.crop(uem, mode="intersection"), ref.crop(uem, mode="intersection"))


class DerAccumulator:
    """DER over many recordings (overlap scored) as NIST md-eval-22.pl computes it: the speaker
    mapping of each recording is chosen on the whole recording (no collar), then misses, false
    alarms and confusions are counted outside the collars (pyannote.metrics' identification error
    of the mapped hypothesis). pyannote's DiarizationErrorRate maps after removing the collars,
    which gives a lower DER than md-eval, dscore and published numbers whenever a collar is used.

    `collar` is md-eval's (`-c 0.25`: 0.25 s left unscored on *each* side of a reference boundary,
    the convention of published DERs); pyannote's collar is the total width, so it gets twice it."""

    def __init__(self, collar: float):
        from pyannote.metrics.identification import IdentificationErrorRate

        self.metric = IdentificationErrorRate(collar=2 * collar, skip_overlap=False)

    def add(self, ref: Sequence[Turn], hyp: Sequence[Turn], duration: float) -> float:
        """Adds one recording (scored from 0 to `duration`); returns its DER."""
        uem = _uem(duration)
        # distinct label types, so that an unmapped hypothesis speaker never takes a reference name
        ref_ann = _annotation(ref).rename_labels(generator="string")
        hyp_ann = _annotation(hyp).rename_labels(generator="int")
        mapped = hyp_ann.rename_labels(mapping=_whole_recording_mapping(ref_ann, hyp_ann, uem))
        return float(self.metric(ref_ann, mapped, uem=uem))

    def total(self) -> float:
        return float(abs(self.metric))


def speaker_mapping(ref: Sequence[Turn], hyp: Sequence[Turn], duration: float) -> Dict[str, str]:
    """The hypothesis-to-reference speaker mapping that DerAccumulator scores with."""
    return dict(_whole_recording_mapping(_annotation(ref), _annotation(hyp), _uem(duration)))


def azimuth_at(t: float, times: Sequence[float], azimuth: Sequence[float]) -> float:
    """A true trajectory's azimuth (radians, unwrapped) at time t, linearly interpolated."""
    return float(np.interp(t, times, np.unwrap(azimuth)))


@dataclass
class TrackingError:
    """Mean absolute azimuth error (degrees) of tracked sub-segments against the true trajectory of
    the reference speaker their cluster is mapped to."""
    total: float = 0.0
    count: int = 0

    def add(self, segs: Sequence[SubSegment], labels: Sequence[int], tracked: Sequence[float],
            mapping: Dict[str, str], times: Sequence[float], true_azimuth: Dict[str, Sequence[float]]) -> None:
        for s, lab, az in zip(segs, labels, tracked):
            ref = mapping.get(f"spk{lab}")
            if ref is None or ref not in true_azimuth:
                continue
            truth = azimuth_at(s.center, times, true_azimuth[ref])
            self.total += abs(float(np.degrees(wrap_angle(az - truth))))
            self.count += 1

    def mean(self) -> Optional[float]:
        return self.total / self.count if self.count else None


DOA_CLASSES = ("at its speaker", "at another talker", "elsewhere")


@dataclass
class DoaOutliers:
    """Where each sub-segment's DOA points, against the true trajectories: within `gate` (radians)
    of its speaker's azimuth (the reference speaker who talks longest in it), else within `gate` of
    another speaker talking in it (a change of speaker or overlap inside the window), else elsewhere.
    Sub-segments without reference speech are not counted."""
    gate: float
    counts: Dict[str, int] = field(default_factory=lambda: dict.fromkeys(DOA_CLASSES, 0))

    def add(self, segs: Sequence[SubSegment], turns: Sequence[Turn], times: Sequence[float],
            true_azimuth: Dict[str, Sequence[float]]) -> None:
        for s in segs:
            talk: Dict[str, float] = {}
            for t in turns:
                overlap = min(t.end, s.end) - max(t.start, s.start)
                if overlap > 0:
                    talk[t.speaker] = talk.get(t.speaker, 0.0) + overlap
            if not talk:
                continue
            speaker = max(talk, key=talk.get)
            off = {k: abs(wrap_angle(s.azimuth - azimuth_at(s.center, times, true_azimuth[k]))) for k in talk}
            near = {k for k, a in off.items() if a <= self.gate}
            self.counts[DOA_CLASSES[0] if speaker in near else DOA_CLASSES[1] if near else DOA_CLASSES[2]] += 1

    def shares(self) -> Dict[str, float]:
        """Percentage of the counted sub-segments in each class, and their number."""
        n = sum(self.counts.values())
        return {**{k: 100 * v / max(n, 1) for k, v in self.counts.items()}, "sub-segments": n}
