"""Scoring a diariser: DER with pyannote.metrics (overlapped speech scored; collar as given), the
speaker-count error, and the location tracking error of the diarisers that track."""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

from icefall_ext.diarization.array import wrap_angle
from icefall_ext.diarization.frontend import SubSegment
from icefall_ext.diarization.rttm import Turn


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


class DerAccumulator:
    """pyannote.metrics' DiarizationErrorRate over many recordings (overlap scored).

    `collar` is md-eval's (`-c 0.25`: 0.25 s left unscored on *each* side of a reference boundary,
    the convention of published DERs); pyannote's collar is the total width, so it gets twice it."""

    def __init__(self, collar: float):
        from pyannote.metrics.diarization import DiarizationErrorRate

        self.metric = DiarizationErrorRate(collar=2 * collar, skip_overlap=False)

    def add(self, ref: Sequence[Turn], hyp: Sequence[Turn], duration: float) -> float:
        """Adds one recording; returns its DER."""
        return float(self.metric(_annotation(ref), _annotation(hyp), uem=_uem(duration)))

    def total(self) -> float:
        return float(abs(self.metric))

    def mapping(self, ref: Sequence[Turn], hyp: Sequence[Turn]) -> Dict[str, str]:
        """Optimal hypothesis-to-reference speaker mapping."""
        return dict(self.metric.optimal_mapping(_annotation(ref), _annotation(hyp)))


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
            truth = np.interp(s.center, times, np.unwrap(true_azimuth[ref]))
            self.total += abs(float(np.degrees(wrap_angle(az - truth))))
            self.count += 1

    def mean(self) -> Optional[float]:
        return self.total / self.count if self.count else None
