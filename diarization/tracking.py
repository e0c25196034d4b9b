"""Azimuth tracking: a Kalman filter on a speaker's direction of arrival, with a robust observation
model (a Gaussian mixed with a uniform outlier on the circle, as DOA estimates of reverberant or
overlapped speech sometimes point anywhere). Its predictive log-likelihood of a sequence of
observations is what the location-aware diarisers compare.

Motion is Singer's manoeuvring-target model: the angular velocity is an Ornstein-Uhlenbeck
process (standard deviation `speed_std_deg`, correlation time `speed_time_s`), the azimuth its
integral. A walker keeps direction for about a correlation time and then turns, so across a long
silence the predicted azimuth neither runs off along the last velocity (as a constant-velocity
model's does) nor stays put; its variance grows linearly, not with the cube of the gap.
With `speed_std_deg = 0` the same filter is the stationary model: a constant azimuth estimated from
all observations so far.

A diariser does not know whether a speaker sits or walks, so the tracking diarisers run a
multiple-model bank (Magill's adaptive estimator): the stationary and the moving filter side by
side on the same observations, equal prior weight; the track's likelihood is the mixture
of the two, and its azimuth is that of the model with the higher posterior so far.
"""
import math
from dataclasses import dataclass, replace
from typing import List, Sequence, Tuple

import numpy as np

from diarization.array import wrap_angle

LOG_UNIFORM = -math.log(2 * math.pi)


@dataclass
class TrackerConfig:
    doa_std_deg: float = 8.0  # observation noise
    speed_std_deg: float = 20.0  # std of the angular velocity, deg/s (0: static)
    speed_time_s: float = 2.0  # correlation time of the angular velocity
    outlier_prob: float = 0.1


def stationary(cfg: TrackerConfig) -> TrackerConfig:
    """The stationary model with cfg's observation noise."""
    return replace(cfg, speed_std_deg=0.0)


def sitting_or_walking(cfg: TrackerConfig) -> List[TrackerConfig]:
    """The bank of the tracking diarisers: the stationary model beside cfg's moving one."""
    return [stationary(cfg), cfg]


def singer_transition(dt: np.ndarray, speed_var: float, tau: float) -> Tuple[np.ndarray, np.ndarray]:
    """F and Q ([..., 2, 2]) of [azimuth, velocity] over gaps dt (any shape) when the velocity is an
    OU process of variance speed_var and correlation time tau (exact discretisation)."""
    dt = np.asarray(dt, dtype=float)
    a = 1.0 / tau
    e = np.exp(-a * dt)
    F = np.zeros(dt.shape + (2, 2))
    F[..., 0, 0] = 1.0
    F[..., 0, 1] = (1 - e) / a
    F[..., 1, 1] = e
    q_c = 2 * speed_var * a  # spectral density of the velocity's driving noise
    Q = np.empty(dt.shape + (2, 2))
    Q[..., 0, 0] = q_c / a ** 2 * (dt - 2 * (1 - e) / a + (1 - e ** 2) / (2 * a))
    Q[..., 0, 1] = Q[..., 1, 0] = q_c / (2 * a ** 2) * (1 - e) ** 2
    Q[..., 1, 1] = speed_var * (1 - e ** 2)
    return F, Q


class AzimuthKalman:
    """State [azimuth, angular velocity] in radians; F, Q of singer_transition, H = [1, 0],
    R = doa_std^2; a new track's velocity has the stationary spread speed_std."""

    def __init__(self, cfg: TrackerConfig):
        self.r = math.radians(cfg.doa_std_deg) ** 2
        self.v0 = math.radians(cfg.speed_std_deg) ** 2
        self.tau = cfg.speed_time_s
        self.eps = cfg.outlier_prob
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
            F, Q = singer_transition(dt, self.v0, self.tau)
            self.x = F @ self.x
            self.P = F @ self.P @ F.T + Q
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


def track(models: Sequence[TrackerConfig], observations: Sequence[Tuple[float, float]]) -> Tuple[float, List[float]]:
    """(log-likelihood, azimuth after each observation) of (time, azimuth) pairs in time order under
    an equal-weight bank of filters; one model is a plain Kalman filter."""
    filters = [AzimuthKalman(cfg) for cfg in models]
    loglik = np.zeros(len(filters))
    path = []
    for t, z in observations:
        loglik += [kf.step(t, z) for kf in filters]
        path.append(float(filters[int(np.argmax(loglik))].x[0]))
    total = float(np.logaddexp.reduce(loglik) - math.log(len(filters)))
    return total, path
