"""The azimuth Kalman filter against filterpy, its robustness to outliers, and its stationary case."""
import math

import numpy as np
import pytest
from filterpy.common import Q_discrete_white_noise
from filterpy.kalman import KalmanFilter

from icefall_ext.diarization.tracking import LOG_UNIFORM, STATIONARY, AzimuthKalman, TrackerConfig, track


def observations(n=40, seed=0):
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.uniform(0.3, 1.0, n))
    truth = 0.3 + 0.05 * times + 0.2 * np.sin(times / 4)
    return times, truth + rng.normal(0, math.radians(5), n)


def test_matches_filterpy_on_the_same_sequence():
    cfg = TrackerConfig(doa_std_deg=5.0, motion_std_deg=10.0, velocity_prior_deg=20.0, outlier_prob=0.0,
                        max_drift_deg=1e6)  # filterpy has no cap
    times, z = observations()
    ours = AzimuthKalman(cfg)
    ref = KalmanFilter(dim_x=2, dim_z=1)
    r, q, v0 = math.radians(5.0) ** 2, math.radians(10.0) ** 2, math.radians(20.0) ** 2
    ref.x, ref.P, ref.H, ref.R = np.array([z[0], 0.0]), np.diag([r, v0]), np.array([[1.0, 0.0]]), np.array([[r]])
    assert ours.step(times[0], z[0]) == LOG_UNIFORM
    for k in range(1, len(z)):
        dt = times[k] - times[k - 1]
        ref.F = np.array([[1.0, dt], [0.0, 1.0]])
        ref.Q = Q_discrete_white_noise(dim=2, dt=dt, var=q)
        ref.predict()
        ref.update(z[k])
        ll = ours.step(times[k], z[k])
        assert np.allclose(ours.x, ref.x, atol=1e-9) and np.allclose(ours.P, ref.P, atol=1e-12)
        assert ll == pytest.approx(ref.log_likelihood, abs=1e-9)


def test_an_outlier_leaves_the_track_alone_and_costs_a_bounded_amount():
    cfg = TrackerConfig(doa_std_deg=5.0, outlier_prob=0.1)
    times, z = observations(10)
    kf = AzimuthKalman(cfg)
    for t, zi in zip(times, z):
        kf.step(t, zi)
    before = kf.x.copy()
    ll = kf.step(times[-1] + 0.5, z[-1] + math.pi)  # the opposite direction
    assert ll >= math.log(0.1 / (2 * math.pi)) - 1e-9
    assert abs(kf.x[0] - before[0]) < math.radians(5)


def test_tracks_across_the_wrap_at_180_degrees():
    times = np.arange(20) * 0.5
    truth = np.radians(170) + np.radians(4) * times  # crosses +180
    z = (truth + np.pi) % (2 * np.pi) - np.pi
    ll, path = track(TrackerConfig(outlier_prob=0.0), list(zip(times, z)))
    err = np.degrees(np.angle(np.exp(1j * (np.array(path) - truth))))
    assert np.abs(err[5:]).max() < 3 and ll > 0


def test_stationary_model_is_a_constant_estimate():
    z = np.radians([10.0, 12.0, 8.0, 11.0, 9.0])
    _, path = track(STATIONARY, list(zip(np.arange(5.0), z)))
    assert path[-1] == pytest.approx(z.mean(), abs=1e-6)


def test_a_long_silence_leaves_the_azimuth_uncertain_but_bounded():
    kf = AzimuthKalman(TrackerConfig(max_drift_deg=45.0))
    kf.step(0.0, 0.0)
    kf.step(1.0, 0.01)
    kf.predict(100.0)
    assert math.degrees(math.sqrt(kf.P[0, 0])) == pytest.approx(45.0)
    assert np.all(np.linalg.eigvalsh(kf.P) > 0)
