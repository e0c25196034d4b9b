"""The four diarisers behind one interface: sub-segments (with azimuth and embedding) in, a label
and (for those that track) a tracked azimuth per sub-segment out.

    ahc             AHC on embeddings alone
    ahc_stationary  AHC + a stationary location model per cluster (speakers assumed not to move)
    ahc_kalman      AHC + a Kalman filter bank per cluster (stationary beside a Singer walker model)
    particle        the joint switching state-space model as a particle filter

Each has one operating point chosen on development meetings (`tune`): the AHC stopping threshold
(and the location weight), or the particle filter's new-speaker probability, stay probability and
embedding weight. The particle filter also needs a voice model (voice_model.py), fitted without
labels on the development meetings.
"""
import itertools
import logging
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from diarization.ahc import LocationModel, MergeHistory, ahc, cluster_tracks
from diarization.frontend import SubSegment
from diarization.particle_filter import ParticleConfig, particle_diarize
from diarization.tracking import TrackerConfig, sitting_or_walking, stationary
from diarization.voice_model import VoiceModel
from recipe_common.errors import InputError

DIARIZERS = ("ahc", "ahc_stationary", "ahc_kalman", "particle")


@dataclass
class TuningConfig:
    thresholds: List[float] = field(default_factory=lambda: [round(0.05 * i, 2) + 0.0 for i in range(-8, 13)])
    location_weights: List[float] = field(default_factory=lambda: [0.02, 0.05, 0.1, 0.2])
    p_new: List[float] = field(default_factory=lambda: [1e-4, 1e-3, 1e-2])
    p_stay: List[float] = field(default_factory=lambda: [0.7])
    embedding_weight: List[float] = field(default_factory=lambda: [0.1])


@dataclass
class DiarizersConfig:
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    particle: ParticleConfig = field(default_factory=ParticleConfig)
    tuning: TuningConfig = field(default_factory=TuningConfig)


@dataclass
class Output:
    labels: List[int]
    tracked: Optional[List[float]]  # radians, per sub-segment


def check_diarizer(name: str) -> None:
    if name not in DIARIZERS:
        raise InputError(f"unknown diariser '{name}' (known: {', '.join(DIARIZERS)})")


def _arrays(segs: Sequence[SubSegment]) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.array([s.center for s in segs]), np.array([s.azimuth for s in segs]),
            np.stack([s.embedding for s in segs]))


def motion_models(name: str, cfg: DiarizersConfig) -> Optional[List[TrackerConfig]]:
    if name == "ahc_stationary":
        return [stationary(cfg.tracker)]
    if name in ("ahc_kalman", "particle"):
        return sitting_or_walking(cfg.tracker)
    return None


def merge_history(name: str, segs: Sequence[SubSegment], cfg: DiarizersConfig, weight: float) -> MergeHistory:
    times, azimuths, emb = _arrays(segs)
    models = motion_models(name, cfg)
    location = LocationModel(models, times, azimuths) if models is not None else None
    return ahc(emb, location, weight if location is not None else 0.0, stop_below=min(cfg.tuning.thresholds))


def diarize(name: str, segs: Sequence[SubSegment], cfg: DiarizersConfig, params: Dict[str, float],
            voices: Optional[VoiceModel] = None) -> Output:
    """One recording with the operating point `params` (from `tune`); `voices` only for particle."""
    check_diarizer(name)
    if not segs:
        return Output([], None)
    times, azimuths, emb = _arrays(segs)
    models = motion_models(name, cfg)
    if name == "particle":
        if voices is None:
            raise ValueError("the particle filter needs a voice model (voice_model.fit_voice_model)")
        order = np.argsort(times, kind="stable")
        pf = replace(cfg.particle, p_new=params["p_new"], p_stay=params["p_stay"],
                     embedding_weight=params["embedding_weight"])
        labels, tracked = particle_diarize(times[order], azimuths[order], emb[order], pf, models, voices)
        out_labels, out_tracked = [0] * len(segs), [0.0] * len(segs)
        for pos, i in enumerate(order):
            out_labels[i], out_tracked[i] = labels[pos], tracked[pos]
        return Output(out_labels, out_tracked)
    labels = merge_history(name, segs, cfg, params.get("weight", 0.0)).labels(params["threshold"])
    tracked = cluster_tracks(models, labels, times, azimuths) if models is not None else None
    return Output(labels, tracked)


def candidate_params(name: str, cfg: DiarizersConfig) -> List[Dict[str, float]]:
    if name == "particle":
        return [{"p_new": n, "p_stay": p, "embedding_weight": w} for n, p, w in
                itertools.product(cfg.tuning.p_new, cfg.tuning.p_stay, cfg.tuning.embedding_weight)]
    weights = cfg.tuning.location_weights if name != "ahc" else [0.0]
    return [{"weight": w, "threshold": t} for w, t in itertools.product(weights, cfg.tuning.thresholds)]


def tune(name: str, recordings: Sequence[Sequence[SubSegment]], cfg: DiarizersConfig,
         error: Callable[[List[List[int]]], float], voices: Optional[VoiceModel] = None
         ) -> Tuple[Dict[str, float], float]:
    """The candidate operating point of lowest `error` (labels of every recording -> error) on the
    development recordings; AHC runs once per location weight and is cut at every threshold."""
    check_diarizer(name)
    best: Tuple[Dict[str, float], float] = ({}, np.inf)
    if name == "particle":
        candidates = candidate_params(name, cfg)
        for i, params in enumerate(candidates, 1):
            err = error([diarize(name, segs, cfg, params, voices).labels for segs in recordings])
            logging.info(f"{name}: {i}/{len(candidates)} {params}: development DER {100 * err:.2f}%")
            if err < best[1]:
                best = (params, err)
        return best
    weights = cfg.tuning.location_weights if name != "ahc" else [0.0]
    for w in weights:
        histories = [merge_history(name, segs, cfg, w) if segs else MergeHistory(0, []) for segs in recordings]
        for t in cfg.tuning.thresholds:
            err = error([h.labels(t) for h in histories])
            if err < best[1]:
                best = ({"weight": w, "threshold": t}, err)
    return best
