"""Joint diarisation and tracking in a switching state-space model, run as a Rao-Blackwellised
particle filter over the sub-segments in time order.

Hidden state: the active speaker k_t and, for every speaker met so far, an azimuth track (the
stationary / moving Kalman filter bank of tracking.py, with per-speaker model weights) and the
posterior of the speaker's mean embedding. Transitions: the same speaker with probability p_stay,
another known speaker, or a new one (p_new, up to max_speakers). Observations:

- the sub-segment's DOA: with probability 1 - outlier_prob, Gaussian around the talker's predicted
  azimuth (a new speaker's is uniform on the circle); otherwise an outlier, which points at another
  known speaker (a window that straddles a change of speaker, or overlapped speech, is located at
  whoever is louder) or, with probability `stray_share`, anywhere. In the simulated meetings no
  DOA points where nobody is (RESULTS.md of egs/meeting/diar counts them), so there a DOA where
  nobody sits is strong evidence of a new speaker, not an outlier of a known one. The AHC's
  per-cluster filters cannot model this, as they do not know where the other clusters are; the
  joint state does;
- its embedding, under PLDA's two-covariance model with full covariances (voice_model.py, fitted
  without labels on the development recordings). A known speaker's predictive density integrates
  its mean out given the embeddings it has spoken so far, so a speaker heard once predicts loosely
  and a new speaker explains a voice only as well as the whole population does: the model charges
  for every extra speaker (a plain cosine to a speaker's running mean does not, and over-spawns).
  The log-likelihood ratio to the new-speaker density is scaled by `embedding_weight`, because
  overlapping windows make successive embeddings far from independent.

Resampling is Fearnhead and Clifford's optimal scheme for a discrete switching state (JRSS B 65,
2003): every particle's successors (each known speaker, or a new one) are weighed exactly, those
of weight at least c are kept deterministically, and the rest are resampled by stratified
sampling, each then carrying weight c, with c chosen so that `particles` successors remain. The
filter never holds two copies of one hypothesis, and its answer hardly depends on the seed.

The answer is the particle whose whole path (labels and the observations they explain) is the
most probable, p(k_1..T, z_1..T): the particle approximation of the MAP sequence.
"""
import math
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np

from diarization.array import wrap_angle
from diarization.tracking import TrackerConfig, singer_transition
from diarization.voice_model import VoiceModel, embedding_log_ratio


@dataclass
class ParticleConfig:
    particles: int = 300
    p_stay: float = 0.7
    p_new: float = 0.01
    max_speakers: int = 6
    embedding_weight: float = 0.1
    voice_shrink: float = 0.1  # shrinkage of the voice model's within-speaker covariance
    stray_share: float = 0.1  # share of outlying DOAs that point at no speaker (the rest: at another one)
    seed: int = 0

    def __post_init__(self):
        for name in ("voice_shrink", "stray_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], not {getattr(self, name)}")


def optimal_resample(weights: np.ndarray, n: int, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """Fearnhead-Clifford resampling: indices of n of the candidates (normalised `weights`) and their
    new log-weights. With n or fewer candidates of non-zero weight, all are kept and the remaining
    slots repeat the first with weight 0."""
    alive = np.flatnonzero(weights > 0)
    if len(alive) <= n:
        pad = n - len(alive)
        return (np.concatenate([alive, np.full(pad, alive[0])]),
                np.concatenate([np.log(weights[alive]), np.full(pad, -np.inf)]))
    order = alive[np.argsort(-weights[alive], kind="stable")]
    w = weights[order]
    tail = np.cumsum(w[::-1])[::-1]  # tail[m] = weight of the candidates from rank m on
    c_if_kept = tail[:n] / (n - np.arange(n))  # c when the m heaviest are kept
    kept = int(np.argmax(w[:n] < c_if_kept))  # the first rank below its c (rank n-1 always is)
    c = c_if_kept[kept]
    rest = order[kept:]
    cum = np.cumsum(weights[rest])
    u = (rng.random() + np.arange(n - kept)) * (cum[-1] / (n - kept))
    drawn = rest[np.searchsorted(cum, u, side="right").clip(max=len(rest) - 1)]
    return (np.concatenate([order[:kept], drawn]),
            np.concatenate([np.log(weights[order[:kept]]), np.full(n - kept, math.log(c))]))


def outlier_density(heard_at: np.ndarray, count: np.ndarray, stray_share: float) -> Tuple[np.ndarray, np.ndarray]:
    """Density of an outlying DOA when each known speaker talks ([n_p, k_max]) and when a new one does
    ([n_p]): that of another known speaker, each equally likely (`heard_at`: every known speaker's
    density of the observation, 0 for the unknown ones), or with probability `stray_share`, or when
    there is no other speaker to point at, uniform on the circle."""
    uniform = 1 / (2 * np.pi)

    def mix(others_sum: np.ndarray, n_others: np.ndarray) -> np.ndarray:
        pointed = (1 - stray_share) * others_sum / np.maximum(n_others, 1) + stray_share * uniform
        return np.where(n_others > 0, pointed, uniform)

    total = heard_at.sum(axis=1)
    return mix(total[:, None] - heard_at, (count - 1)[:, None]), mix(total, count)


def particle_diarize(times: np.ndarray, azimuths: np.ndarray, embeddings: np.ndarray, cfg: ParticleConfig,
                     models: Sequence[TrackerConfig], voices: VoiceModel) -> Tuple[List[int], List[float]]:
    """Labels and tracked azimuths of one recording's observations (given in time order) along the
    MAP particle. `models` share one observation noise and outlier probability
    (tracking.sitting_or_walking)."""
    embeddings = voices.project(embeddings)
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
    n_heard = np.zeros((n_p, k_max))
    count = np.zeros(n_p, dtype=int)  # speakers so far
    prev = np.full(n_p, -1)
    logw = np.full(n_p, -np.inf)
    logw[0] = 0.0  # one hypothesis to start from: no speaker yet
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
        model_w = np.exp(log_model - np.logaddexp.reduce(log_model, axis=-1, keepdims=True))
        known = np.arange(k_max)[None, :] < count[:, None]
        heard_at = np.where(known, (model_w * gauss).sum(axis=-1), 0.0)  # each speaker's density of z
        outlier, outlier_new = outlier_density(heard_at, count, cfg.stray_share)
        loc_m = (1 - eps) * gauss + eps * outlier[..., None]
        loc = (model_w * loc_m).sum(axis=-1)
        voice = np.exp(cfg.embedding_weight * embedding_log_ratio(e, emb_sum, n_heard, voices.between))
        lik = np.concatenate([loc * voice, ((1 - eps) / (2 * np.pi) + eps * outlier_new)[:, None]], axis=1)
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
        joint = prior * lik  # [n_p, k_max + 1]: each particle's successors
        with np.errstate(divide="ignore"):
            successor = (logw[:, None] + np.log(joint)).ravel()
        weights = np.exp(successor - successor.max())
        chosen, logw = optimal_resample(weights / weights.sum(), n_p, rng)
        parent, choice = np.divmod(chosen, k_max + 1)
        xp, Pp, y, s, gauss, loc_m, joint = (a[parent] for a in (xp, Pp, y, s, gauss, loc_m, joint))
        x, P, log_model, t_last, emb_sum, n_heard = (a[parent] for a in (x, P, log_model, t_last, emb_sum, n_heard))
        count, labels, tracks = count[parent], labels[parent], tracks[parent]
        with np.errstate(divide="ignore"):
            path_logp = np.where(np.isfinite(logw), path_logp[parent] + np.log(joint[rows, choice]), -np.inf)
        is_new = choice == k_max
        k = np.where(is_new, count, choice)
        # known speaker: Kalman update of each model's track (an outlier leaves it alone)
        kx, kP, ky, ks = xp[rows, k], Pp[rows, k], y[rows, k], s[rows, k]  # [n_p, n_m, ...]
        inlier = (1 - eps) * gauss[rows, k] >= eps * outlier[rows, k][:, None]
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
        n_heard[rows, k] += 1
        count += is_new
        prev = k
        labels[:, t] = k
        tracks[:, t] = new_x[rows, np.argmax(new_log_model, axis=-1), 0]
    best = int(np.argmax(path_logp))
    return labels[best].tolist(), tracks[best].tolist()
