"""Azimuth tracking: a constant-velocity Kalman filter on a speaker's direction of arrival, with a
robust observation model (a Gaussian mixed with a uniform outlier on the circle, as DOA estimates
of reverberant or overlapped speech sometimes point anywhere). Its predictive log-likelihood of a
sequence of observations is what the location-aware diarisers compare.

People in a meeting stay near their place: the predicted azimuth's standard deviation is capped at
`max_drift_deg` (the covariance is scaled along the azimuth axis, which keeps it positive
definite), so a track that has been silent for long still says roughly where its speaker is.

With `motion_std_deg = 0` and `velocity_prior_deg = 0` the same filter is the stationary model: a
constant azimuth estimated from all observations so far.
"""
import math
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np

from icefall_ext.diarization.array import wrap_angle

LOG_UNIFORM = -math.log(2 * math.pi)


@dataclass
class TrackerConfig:
    doa_std_deg: float = 8.0  # observation noise
    motion_std_deg: float = 15.0  # process noise: std of the angular acceleration, deg/s^2 (0: static)
    velocity_prior_deg: float = 20.0  # std of a new track's angular velocity, deg/s
    outlier_prob: float = 0.1
    max_drift_deg: float = 45.0  # cap on the predicted azimuth's standard deviation


STATIONARY = TrackerConfig(motion_std_deg=0.0, velocity_prior_deg=0.0)


class AzimuthKalman:
    """State [azimuth, angular velocity] in radians; F = [[1, dt], [0, 1]], Q = filterpy's
    Q_discrete_white_noise(2, dt, var=motion_std^2), H = [1, 0], R = doa_std^2."""

    def __init__(self, cfg: TrackerConfig):
        self.r = math.radians(cfg.doa_std_deg) ** 2
        self.q = math.radians(cfg.motion_std_deg) ** 2
        self.v0 = math.radians(cfg.velocity_prior_deg) ** 2
        self.eps = cfg.outlier_prob
        self.max_var = math.radians(cfg.max_drift_deg) ** 2
        self.x = np.zeros(2)
        self.P = np.zeros((2, 2))
        self.t = None

    def start(self, t: float, z: float) -> float:
        """A track born at its first observation, whose log-likelihood is that of a uniform azimuth."""
        self.x = np.array([z, 0.0])
        self.P = np.diag([self.r, self.v0])
        self.t = t
        return LOG_UNIFORM

    def predict(self, t: float) -> None:
        dt = max(t - self.t, 0.0)
        if dt > 0:
            F = np.array([[1.0, dt], [0.0, 1.0]])
            Q = self.q * np.array([[dt ** 4 / 4, dt ** 3 / 2], [dt ** 3 / 2, dt ** 2]])
            self.x = F @ self.x
            self.P = cap_azimuth_variance(F @ self.P @ F.T + Q, self.max_var)
        self.t = t

    def update(self, z: float) -> float:
        """Conditions on observation z; returns its predictive log-likelihood."""
        y = float(wrap_angle(z - self.x[0]))
        s = self.P[0, 0] + self.r
        log_gauss = -0.5 * (math.log(2 * math.pi * s) + y * y / s)
        inlier = (1 - self.eps) * math.exp(log_gauss)
        outlier = self.eps / (2 * math.pi)
        if inlier >= outlier:  # an outlier leaves the track alone
            k = self.P[:, 0] / s
            self.x = self.x + k * y
            self.x[0] = float(wrap_angle(self.x[0]))
            self.P = self.P - np.outer(k, self.P[0])
        return math.log(inlier + outlier) if self.eps > 0 else log_gauss

    def step(self, t: float, z: float) -> float:
        if self.t is None:
            return self.start(t, z)
        self.predict(t)
        return self.update(z)


def cap_azimuth_variance(P: np.ndarray, max_var: float) -> np.ndarray:
    """P (or a stack [..., 2, 2]) scaled by diag(s, 1) so that its azimuth variance is at most max_var."""
    scale = np.sqrt(np.minimum(1.0, max_var / np.maximum(P[..., 0, 0], 1e-300)))
    d = np.stack([scale, np.ones_like(scale)], axis=-1)
    return P * d[..., :, None] * d[..., None, :]


def track(cfg: TrackerConfig, observations: Sequence[Tuple[float, float]]) -> Tuple[float, List[float]]:
    """(log-likelihood, filtered azimuth after each observation) of (time, azimuth) pairs in time order."""
    kf = AzimuthKalman(cfg)
    total, path = 0.0, []
    for t, z in observations:
        total += kf.step(t, z)
        path.append(float(kf.x[0]))
    return total, path
