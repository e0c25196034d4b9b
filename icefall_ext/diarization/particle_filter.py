"""Joint diarisation and tracking in a switching state-space model, run as a Rao-Blackwellised
particle filter over the sub-segments in time order.

Hidden state: the active speaker k_t and, for every speaker met so far, an azimuth track
(constant-velocity Kalman filter, tracking.py) and a running mean embedding. Transitions: the same
speaker with probability p_stay, another known speaker, or a new one (p_new, up to max_speakers).
Observations: the sub-segment's DOA (robust Gaussian around the speaker's predicted azimuth; a
new speaker's is uniform on the circle) and its embedding (exp(kappa * cosine to the speaker's
mean); a new speaker scores exp(kappa * new_speaker_cos)). Each particle draws k_t from the exact
posterior over speakers given its past (the optimal proposal) and is weighted by the predictive
likelihood; systematic resampling when the effective sample size drops below half.
"""
import math
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from icefall_ext.diarization.array import wrap_angle
from icefall_ext.diarization.tracking import TrackerConfig, cap_azimuth_variance


@dataclass
class ParticleConfig:
    particles: int = 300
    p_stay: float = 0.7
    p_new: float = 0.05
    max_speakers: int = 6
    kappa: float = 8.0
    new_speaker_cos: float = 0.3
    seed: int = 0


def particle_diarize(times: np.ndarray, azimuths: np.ndarray, embeddings: np.ndarray, cfg: ParticleConfig,
                     tracker: TrackerConfig) -> Tuple[List[int], List[float]]:
    """Labels and tracked azimuths of the observations (given in time order) of the best particle."""
    rng = np.random.default_rng(cfg.seed)
    n_p, k_max, t_n = cfg.particles, cfg.max_speakers, len(times)
    r = math.radians(tracker.doa_std_deg) ** 2
    q = math.radians(tracker.motion_std_deg) ** 2
    v0 = math.radians(tracker.velocity_prior_deg) ** 2
    eps = tracker.outlier_prob
    x = np.zeros((n_p, k_max, 2))
    P = np.zeros((n_p, k_max, 2, 2))
    t_last = np.zeros((n_p, k_max))
    emb_sum = np.zeros((n_p, k_max, embeddings.shape[1]))
    count = np.zeros(n_p, dtype=int)  # speakers so far
    prev = np.full(n_p, -1)
    logw = np.zeros(n_p)
    labels = np.zeros((n_p, t_n), dtype=int)
    tracks = np.zeros((n_p, t_n))
    rows = np.arange(n_p)
    for t in range(t_n):
        z, e = azimuths[t], embeddings[t]
        dt = np.maximum(times[t] - t_last, 0.0)  # [n_p, k_max]
        xp = np.stack([x[..., 0] + dt * x[..., 1], x[..., 1]], axis=-1)
        F = np.zeros((n_p, k_max, 2, 2))
        F[..., 0, 0] = F[..., 1, 1] = 1.0
        F[..., 0, 1] = dt
        Q = q * np.stack([np.stack([dt ** 4 / 4, dt ** 3 / 2], -1), np.stack([dt ** 3 / 2, dt ** 2], -1)], -2)
        Pp = cap_azimuth_variance(F @ P @ np.swapaxes(F, -1, -2) + Q, math.radians(tracker.max_drift_deg) ** 2)
        y = wrap_angle(z - xp[..., 0])
        s = Pp[..., 0, 0] + r
        gauss = np.exp(-0.5 * y * y / s) / np.sqrt(2 * np.pi * s)
        loc = (1 - eps) * gauss + eps / (2 * np.pi)
        norms = np.linalg.norm(emb_sum, axis=-1) + 1e-9
        cos = emb_sum @ e / norms
        lik = np.concatenate([loc * np.exp(cfg.kappa * cos),
                              np.full((n_p, 1), np.exp(cfg.kappa * cfg.new_speaker_cos) / (2 * np.pi))], axis=1)
        known = np.arange(k_max)[None, :] < count[:, None]
        prior = np.zeros((n_p, k_max + 1))
        can_add = count < k_max
        prior[:, k_max] = np.where(can_add, np.where(count == 0, 1.0, cfg.p_new), 0.0)
        others = np.maximum(count - 1, 0)
        stay = np.where(prev >= 0, cfg.p_stay, 0.0)
        rest = 1.0 - stay - prior[:, k_max]
        prior[:, :k_max] = np.where(known, (rest / np.maximum(others, 1))[:, None], 0.0)
        has_prev = prev >= 0
        prior[rows[has_prev], prev[has_prev]] = np.where(others[has_prev] > 0, stay[has_prev],
                                                        stay[has_prev] + rest[has_prev])
        joint = prior * lik
        total = joint.sum(axis=1)
        logw += np.log(total + 1e-300)
        u = rng.random(n_p)[:, None]
        choice = (np.cumsum(joint / total[:, None], axis=1) < u).sum(axis=1).clip(max=k_max)
        is_new = choice == k_max
        k = np.where(is_new, count, choice)
        # known speaker: Kalman update of its track (an outlier leaves it alone)
        kx, kP, ky, ks = xp[rows, k], Pp[rows, k], y[rows, k], s[rows, k]
        inlier = (1 - eps) * gauss[rows, k] >= eps / (2 * np.pi)
        gain = kP[:, :, 0] / ks[:, None]
        upd_x = kx + gain * ky[:, None]
        upd_P = kP - gain[:, :, None] * kP[:, None, 0, :]
        new_x = np.where(inlier[:, None], upd_x, kx)
        new_P = np.where(inlier[:, None, None], upd_P, kP)
        new_x[is_new] = [z, 0.0]
        new_P[is_new] = np.diag([r, v0])
        new_x[:, 0] = wrap_angle(new_x[:, 0])
        x[rows, k], P[rows, k], t_last[rows, k] = new_x, new_P, times[t]
        emb_sum[rows, k] += e
        count += is_new
        prev = k
        labels[:, t], tracks[:, t] = k, new_x[:, 0]
        w = np.exp(logw - logw.max())
        w /= w.sum()
        if 1.0 / np.sum(w ** 2) < n_p / 2:
            idx = np.searchsorted(np.cumsum(w), (rng.random() + np.arange(n_p)) / n_p).clip(max=n_p - 1)
            x, P, t_last, emb_sum = x[idx], P[idx], t_last[idx], emb_sum[idx]
            count, prev, labels, tracks = count[idx], prev[idx], labels[idx], tracks[idx]
            logw = np.zeros(n_p)
    best = int(np.argmax(logw))
    return labels[best].tolist(), tracks[best].tolist()
