"""Joint diarisation and tracking in a switching state-space model, run as a Rao-Blackwellised
particle filter over the sub-segments in time order.

Hidden state: the active speaker k_t and, for every speaker met so far, an azimuth track (the
stationary / moving Kalman filter bank of tracking.py, with per-speaker model weights)
and a running mean embedding. Transitions: the same speaker with probability p_stay, another known
speaker, or a new one (p_new, up to max_speakers). Observations: the sub-segment's DOA (robust
Gaussian around the speaker's predicted azimuth; a new speaker's is uniform on the circle) and its
embedding (exp(kappa * cosine to the speaker's mean); a new speaker scores 1, as a voice orthogonal
to a known one would: how readily new speakers appear is p_new's to say). Each particle draws k_t
from the exact posterior over speakers given its past (the optimal proposal) and is weighted by
the predictive likelihood; systematic resampling when the effective sample size drops below half.

The answer is the particle whose whole path (labels and the observations they explain) is the
most probable, p(k_1..T, z_1..T), carried through resampling: the particle approximation of the
MAP sequence. (The importance weights cannot choose it: they are reset at every resampling.)
"""
import math
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np

from icefall_ext.diarization.array import wrap_angle
from icefall_ext.diarization.tracking import TrackerConfig, singer_transition


@dataclass
class ParticleConfig:
    particles: int = 300
    p_stay: float = 0.7
    p_new: float = 0.01
    max_speakers: int = 6
    kappa: float = 4.0
    seed: int = 0


def particle_diarize(times: np.ndarray, azimuths: np.ndarray, embeddings: np.ndarray, cfg: ParticleConfig,
                     models: Sequence[TrackerConfig]) -> Tuple[List[int], List[float]]:
    """Labels and tracked azimuths of the observations (given in time order) along the MAP particle.
    `models` share one observation noise and outlier probability (tracking.sitting_or_walking)."""
    rng = np.random.default_rng(cfg.seed)
    n_p, k_max, t_n, n_m = cfg.particles, cfg.max_speakers, len(times), len(models)
    r = math.radians(models[0].doa_std_deg) ** 2
    eps = models[0].outlier_prob
    v0 = np.radians([m.speed_std_deg for m in models]) ** 2
    x = np.zeros((n_p, k_max, n_m, 2))
    P = np.zeros((n_p, k_max, n_m, 2, 2))
    log_model = np.zeros((n_p, k_max, n_m))  # log posterior weight of each motion model, per speaker
    t_last = np.zeros((n_p, k_max))
    emb_sum = np.zeros((n_p, k_max, embeddings.shape[1]))
    count = np.zeros(n_p, dtype=int)  # speakers so far
    prev = np.full(n_p, -1)
    logw = np.zeros(n_p)
    path_logp = np.zeros(n_p)
    labels = np.zeros((n_p, t_n), dtype=int)
    tracks = np.zeros((n_p, t_n))
    rows = np.arange(n_p)
    for t in range(t_n):
        z, e = azimuths[t], embeddings[t]
        dt = np.maximum(times[t] - t_last, 0.0)  # [n_p, k_max]
        F, Q = zip(*(singer_transition(dt, v, m.speed_time_s) for v, m in zip(v0, models)))
        F, Q = np.stack(F, axis=2), np.stack(Q, axis=2)  # [n_p, k_max, n_m, 2, 2]
        xp = (F @ x[..., None])[..., 0]
        Pp = F @ P @ np.swapaxes(F, -1, -2) + Q
        y = wrap_angle(z - xp[..., 0])  # [n_p, k_max, n_m]
        s = Pp[..., 0, 0] + r
        gauss = np.exp(-0.5 * y * y / s) / np.sqrt(2 * np.pi * s)
        loc_m = (1 - eps) * gauss + eps / (2 * np.pi)
        model_w = np.exp(log_model - np.logaddexp.reduce(log_model, axis=-1, keepdims=True))
        loc = (model_w * loc_m).sum(axis=-1)
        norms = np.linalg.norm(emb_sum, axis=-1) + 1e-9
        cos = emb_sum @ e / norms
        lik = np.concatenate([loc * np.exp(cfg.kappa * cos),
                              np.full((n_p, 1), 1 / (2 * np.pi))], axis=1)
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
        path_logp += np.log(joint[rows, choice] + 1e-300)
        is_new = choice == k_max
        k = np.where(is_new, count, choice)
        # known speaker: Kalman update of each model's track (an outlier leaves it alone)
        kx, kP, ky, ks = xp[rows, k], Pp[rows, k], y[rows, k], s[rows, k]  # [n_p, n_m, ...]
        inlier = (1 - eps) * gauss[rows, k] >= eps / (2 * np.pi)
        gain = kP[..., 0] / ks[..., None]
        upd_x = kx + gain * ky[..., None]
        upd_P = kP - gain[..., :, None] * kP[..., None, 0, :]
        new_x = np.where(inlier[..., None], upd_x, kx)
        new_P = np.where(inlier[..., None, None], upd_P, kP)
        new_log_model = log_model[rows, k] + np.log(loc_m[rows, k])
        new_x[is_new] = np.stack([np.full(n_m, z), np.zeros(n_m)], axis=-1)
        new_P[is_new] = np.stack([np.diag([r, v]) for v in v0])
        new_log_model[is_new] = 0.0
        new_x[..., 0] = wrap_angle(new_x[..., 0])
        x[rows, k], P[rows, k], t_last[rows, k] = new_x, new_P, times[t]
        log_model[rows, k] = new_log_model - new_log_model.max(axis=-1, keepdims=True)
        emb_sum[rows, k] += e
        count += is_new
        prev = k
        labels[:, t] = k
        tracks[:, t] = new_x[rows, np.argmax(new_log_model, axis=-1), 0]
        w = np.exp(logw - logw.max())
        w /= w.sum()
        if 1.0 / np.sum(w ** 2) < n_p / 2:
            idx = np.searchsorted(np.cumsum(w), (rng.random() + np.arange(n_p)) / n_p).clip(max=n_p - 1)
            x, P, log_model, t_last, emb_sum = x[idx], P[idx], log_model[idx], t_last[idx], emb_sum[idx]
            count, prev, labels, tracks, path_logp = count[idx], prev[idx], labels[idx], tracks[idx], path_logp[idx]
            logw = np.zeros(n_p)
    best = int(np.argmax(path_logp))
    return labels[best].tolist(), tracks[best].tolist()
