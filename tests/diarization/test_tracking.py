"""The azimuth Kalman filter against filterpy, its robustness to outliers, its stationary case, and
the sitting-or-walking bank."""
import math

import numpy as np
import pytest
from filterpy.kalman import KalmanFilter
from scipy.linalg import expm

from diarization.tracking import (
    LOG_UNIFORM,
    AzimuthKalman,
    TrackerConfig,
    singer_transition,
    sitting_or_walking,
    stationary,
    track,
)


def observations(n=40, seed=0):
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.uniform(0.3, 1.0, n))
    truth = 0.3 + 0.05 * times + 0.2 * np.sin(times / 4)
    return times, truth + rng.normal(0, math.radians(5), n)


def test_singer_transition_matches_van_loans_matrix_exponential():
    """Exact discretisation of d[az, v] = [v, -v/tau] dt + [0, sqrt(q_c)] dW, by Van Loan's method."""
    speed_var, tau = 0.3, 1.7
    a, q_c = 1 / tau, 2 * speed_var / tau
    A = np.array([[0.0, 1.0], [0.0, -a]])
    G = np.array([[0.0, 0.0], [0.0, q_c]])
    for dt in (0.1, 0.75, 5.0):
        M = expm(np.block([[-A, G], [np.zeros((2, 2)), A.T]]) * dt)
        F_ref = M[2:, 2:].T
        Q_ref = F_ref @ M[:2, 2:]
        F, Q = singer_transition(np.array([dt]), speed_var, tau)
        assert np.allclose(F[0], F_ref, atol=1e-12) and np.allclose(Q[0], Q_ref, atol=1e-12)


def test_matches_filterpy_on_the_same_sequence():
    cfg = TrackerConfig(doa_std_deg=5.0, speed_std_deg=20.0, speed_time_s=2.0, outlier_prob=0.0)
    times, z = observations()
    ours = AzimuthKalman(cfg)
    ref = KalmanFilter(dim_x=2, dim_z=1)
    r, v0 = math.radians(5.0) ** 2, math.radians(20.0) ** 2
    ref.x, ref.P, ref.H, ref.R = np.array([z[0], 0.0]), np.diag([r, v0]), np.array([[1.0, 0.0]]), np.array([[r]])
    assert ours.step(times[0], z[0]) == LOG_UNIFORM
    for k in range(1, len(z)):
        F, Q = singer_transition(np.array(times[k] - times[k - 1]), v0, 2.0)
        ref.F, ref.Q = F, Q
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
    ll, path = track([TrackerConfig(outlier_prob=0.0)], list(zip(times, z)))
    err = np.degrees(np.angle(np.exp(1j * (np.array(path) - truth))))
    assert np.abs(err[5:]).max() < 3 and ll > 0


def test_stationary_model_is_a_constant_estimate():
    z = np.radians([10.0, 12.0, 8.0, 11.0, 9.0])
    _, path = track([stationary(TrackerConfig())], list(zip(np.arange(5.0), z)))
    assert path[-1] == pytest.approx(z.mean(), abs=1e-6)


def test_the_bank_scores_each_kind_of_speaker_like_the_model_that_fits_it():
    """A sitter: the bank's likelihood is the stationary model's (less log 2), far above the walker
    model's; a walker: the reverse, and the bank's azimuth follows the walk."""
    rng = np.random.default_rng(1)
    times = np.arange(30) * 0.75
    bank = sitting_or_walking(TrackerConfig(doa_std_deg=5.0))
    sitter = np.radians(40.0) + rng.normal(0, math.radians(3), len(times))
    walk = np.radians(-60.0) + np.radians(8.0) * times
    walker = walk + rng.normal(0, math.radians(3), len(times))
    for z, fits, other in ((sitter, bank[0], bank[1]), (walker, bank[1], bank[0])):
        obs = list(zip(times, z))
        ll_fit, ll_other, ll_bank = track([fits], obs)[0], track([other], obs)[0], track(bank, obs)[0]
        assert ll_fit > ll_other + 5
        assert ll_bank == pytest.approx(ll_fit - math.log(2), abs=0.01)
    _, path = track(bank, list(zip(times, walker)))
    err = np.degrees(np.angle(np.exp(1j * (np.array(path) - walk))))
    assert np.abs(err[10:]).max() < 6
