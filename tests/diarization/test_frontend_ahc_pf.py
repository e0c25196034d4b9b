"""DOA on a simulated static source, sub-segmentation, AHC stopping, the location LLR, and the
particle filter (its resampling, its voice model and embedding likelihood, recovering a known
switching sequence)."""
import math

import numpy as np
import pytest

from diarization.ahc import LocationModel, ahc
from diarization.array import CircularArray
from diarization.frontend import DirectionFinder, FrontendConfig, SubSegment, energy_regions, subsegments
from diarization.particle_filter import ParticleConfig, optimal_resample, outlier_density, particle_diarize
from diarization.tracking import TrackerConfig, sitting_or_walking, stationary
from diarization.voice_model import VoiceModel, adjacent_pairs, embedding_log_ratio, fit_voice_model
from recipe_common.errors import InputError


@pytest.mark.parametrize("azimuth_deg", [-120.0, 30.0, 95.0])
def test_doa_of_a_static_source_within_a_few_degrees(azimuth_deg):
    pra = pytest.importorskip("pyroomacoustics")
    fs, center = 16000, np.array([3.0, 2.5, 0.8])
    array = CircularArray(8, 0.1, tuple(center))
    room = pra.ShoeBox([6.0, 5.0, 3.0], fs=fs, materials=pra.Material(0.4), max_order=6)
    room.add_microphone_array(array.positions())
    a = math.radians(azimuth_deg)
    signal = np.random.default_rng(0).normal(size=fs)
    room.add_source([center[0] + 1.5 * math.cos(a), center[1] + 1.5 * math.sin(a), 1.3], signal=signal)
    room.simulate()
    finder = DirectionFinder(room.mic_array.signals, fs, array, FrontendConfig())
    est = math.degrees(finder.azimuth(0.1, 0.9))
    assert abs((est - azimuth_deg + 180) % 360 - 180) < 4


def test_subsegments_cover_each_region_with_uniform_windows():
    segs = subsegments([(0.0, 4.0), (5.0, 5.3), (6.0, 7.7)], FrontendConfig(window=1.5, shift=0.75, min_length=0.4))
    spans = [(round(s.start, 2), round(s.end, 2)) for s in segs]
    assert spans == [(0.0, 1.5), (0.75, 2.25), (1.5, 3.0), (2.25, 4.0), (6.0, 7.7)]


def test_energy_vad_finds_the_bursts():
    fs = 16000
    x = np.random.default_rng(0).normal(0, 1e-3, 3 * fs)
    x[fs:2 * fs] += np.sin(2 * np.pi * 440 * np.arange(fs) / fs)
    regions = energy_regions(x, fs, FrontendConfig())
    assert len(regions) == 1 and abs(regions[0][0] - 1.0) < 0.05 and abs(regions[0][1] - 2.0) < 0.05


def toy_embeddings(groups=(4, 3, 5), noise=0.15, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.eye(8)[:len(groups)]
    x = np.concatenate([c + rng.normal(0, noise, (n, 8)) for c, n in zip(centers, groups)])
    truth = np.repeat(np.arange(len(groups)), groups)
    return x / np.linalg.norm(x, axis=1, keepdims=True), truth


def test_ahc_stops_at_the_threshold_between_within_and_between_similarity():
    x, truth = toy_embeddings()
    history = ahc(x)
    labels = np.array(history.labels(threshold=0.5))
    assert len(set(labels)) == 3
    assert all(len(set(labels[truth == g])) == 1 for g in range(3))
    assert len(set(history.labels(threshold=-1.0))) == 1 and len(set(history.labels(threshold=1.01))) == len(x)
    scores = [m[2] for m in history.merges]
    assert scores[:9] == sorted(scores[:9], reverse=True)  # merges inside groups first


def test_location_llr_separates_clusters_by_where_they_are():
    times = np.arange(8.0)
    az = np.radians([10, 100, 11, 99, 9, 101, 10, 100])
    loc = LocationModel([TrackerConfig(doa_std_deg=5.0)], times, az)
    assert loc.llr([0, 2], [4, 6]) > 0 > loc.llr([0, 2, 4], [1, 3, 5])


def test_tracking_joins_the_two_halves_of_a_walk_that_the_stationary_model_keeps_apart():
    times = np.arange(16) * 0.75
    az = np.radians(10.0) + np.radians(9.0) * times  # 10 deg to 111 deg at 9 deg/s
    cfg = TrackerConfig(doa_std_deg=5.0)
    first, second = list(range(8)), list(range(8, 16))
    assert LocationModel(sitting_or_walking(cfg), times, az).llr(first, second) > 0
    assert LocationModel([stationary(cfg)], times, az).llr(first, second) < 0


def test_location_breaks_an_embedding_tie():
    x, _ = toy_embeddings(groups=(6,), noise=0.01)  # one voice for everyone
    times = np.arange(6.0)
    az = np.radians([0, 90, 0, 90, 0, 90])
    loc = LocationModel([TrackerConfig(doa_std_deg=5.0)], times, az)
    labels = ahc(x, loc, weight=0.5).labels(threshold=0.5)
    assert labels == [0, 1, 0, 1, 0, 1]


def test_particle_filter_recovers_a_known_switching_sequence():
    rng = np.random.default_rng(0)
    truth = np.array([0] * 6 + [1] * 5 + [0] * 4 + [2] * 6 + [1] * 5 + [2] * 4)
    times = np.arange(len(truth)) * 0.75
    start = np.radians([0.0, 120.0, -110.0])
    speed = np.radians([0.0, 3.0, -2.0])  # deg/s
    az = start[truth] + speed[truth] * times + rng.normal(0, math.radians(4), len(truth))
    voices = np.eye(6)[:3]
    emb = voices[truth] + rng.normal(0, 0.3, (len(truth), 6))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    # independent embedding draws: the likelihood needs no tempering (embedding_weight 1); the voice
    # model is the generating one, roughly: within-speaker std 0.3 (before normalisation), means far apart
    voices = VoiceModel(np.eye(6) / 0.3, np.full(6, 2.0))
    labels, tracked = particle_diarize(times, az, emb, ParticleConfig(particles=200, embedding_weight=1.0, seed=0),
                                       sitting_or_walking(TrackerConfig(doa_std_deg=5.0)), voices)
    mapping = {}
    for lab, t in zip(labels, truth):
        mapping.setdefault(lab, t)
    accuracy = np.mean([mapping[lab] == t for lab, t in zip(labels, truth)])
    assert accuracy >= 0.95 and len(set(labels)) == 3
    err = np.degrees(np.angle(np.exp(1j * (np.array(tracked) - (start[truth] + speed[truth] * times)))))
    assert np.median(np.abs(err)) < 5


def test_an_outlying_doa_points_at_another_known_speaker_or_anywhere():
    uniform = 1 / (2 * np.pi)
    heard_at = np.array([[2.0, 0.5, 0.0], [3.0, 0.0, 0.0]])  # two known speakers; one
    known, new = outlier_density(heard_at, np.array([2, 1]), stray_share=0.1)
    assert np.allclose(known[0, :2], [0.9 * 0.5 + 0.1 * uniform, 0.9 * 2.0 + 0.1 * uniform])
    assert np.isclose(new[0], 0.9 * 1.25 + 0.1 * uniform)
    assert np.isclose(known[1, 0], uniform) and np.isclose(new[1], 0.9 * 3.0 + 0.1 * uniform)


def _one_turn_speaker(stray_share):
    """Three speakers take turns; near the end a fourth, where nobody sits, says one sub-segment in a
    voice that the tempered embedding likelihood alone does not set apart."""
    rng = np.random.default_rng(1)
    turns = [0, 0, 1, 1, 2, 2] * 4
    truth = np.array(turns[:22] + [3] + turns[22:])
    times = np.arange(len(truth)) * 0.75
    az = np.radians([0.0, 120.0, -110.0, 60.0])[truth] + rng.normal(0, math.radians(2), len(truth))
    emb = np.eye(6)[truth] + rng.normal(0, 0.3, (len(truth), 6))
    cfg = ParticleConfig(particles=200, p_new=1e-3, p_stay=0.5, embedding_weight=0.2, stray_share=stray_share)
    labels, _ = particle_diarize(times, az, emb, cfg, sitting_or_walking(TrackerConfig()),
                                 VoiceModel(np.eye(6) / 0.3, np.full(6, 2.0)))
    return labels


def test_a_doa_where_nobody_sits_is_a_new_speaker_unless_stray_doas_are_common():
    labels = _one_turn_speaker(stray_share=0.0036)
    assert len(set(labels)) == 4 and labels.count(labels[22]) == 1
    assert len(set(_one_turn_speaker(stray_share=1.0))) == 3  # every outlier uniform, as tracking.py's


def test_optimal_resampling_keeps_heavy_successors_once_and_never_draws_impossible_ones():
    rng = np.random.default_rng(0)
    w = np.array([0.5, 0.0, 0.2, 0.1, 0.0, 0.05, 0.05, 0.04, 0.03, 0.03])
    chosen, logw = optimal_resample(w, 4, rng)
    assert len(chosen) == 4 and 0 in chosen and 2 in chosen  # above the threshold c: kept as they are
    assert not {1, 4} & set(chosen.tolist())
    assert np.isclose(np.exp(logw).sum(), 1.0)
    assert np.isclose(np.exp(logw[list(chosen).index(0)]), 0.5)
    few, few_logw = optimal_resample(np.array([0.7, 0.0, 0.3]), 4, rng)
    assert sorted(few[:2].tolist()) == [0, 2] and np.isneginf(few_logw[2:]).all()


def test_embedding_likelihood_charges_for_a_speaker_heard_once():
    e = np.zeros(4)
    e[0] = 1.0
    between = np.full(4, 0.7)
    heard = np.array([1.0, 10.0])
    ratio = embedding_log_ratio(e, heard[:, None] * e, heard, between)
    assert 0 < ratio[0] < ratio[1]  # the same voice, but its mean is less certain after one hearing
    assert embedding_log_ratio(-e, (10 * e)[None], heard[1:], between)[0] < 0


def _recordings(rng, within_std, between_std, n_rec=40, speakers=6, turn_len=5):
    """Recordings where each speaker has one turn of overlapping 1.5 s windows; embeddings = the
    speaker's mean + noise."""
    recs = []
    for _ in range(n_rec):
        means = rng.normal(0, 1, (speakers, len(within_std))) * between_std
        segs, t = [], 0.0
        for k in range(speakers):
            for i in range(turn_len):
                e = means[k] + rng.normal(0, 1, len(within_std)) * within_std
                segs.append(SubSegment(t + 0.75 * i, t + 0.75 * i + 1.5, 0.0, e))
            t += 0.75 * (turn_len - 1) + 1.5 + 1.0  # a pause between turns
        recs.append(segs)
    return recs


def test_voice_model_pairs_adjacent_windows_of_one_region_only():
    segs = [SubSegment(a, a + 1.5) for a in (0.0, 0.75, 1.5, 2.25, 10.0, 10.75)]
    assert adjacent_pairs(segs) == [(0, 2), (1, 3)]  # 3 and the next region's windows never pair


def test_voice_model_recovers_within_and_between_covariances():
    rng = np.random.default_rng(0)
    within_std, between_std = np.array([0.5, 0.5, 2.0, 0.2]), np.array([1.0, 0.1, 1.0, 0.5])
    voices = fit_voice_model(_recordings(rng, within_std, between_std), shrink=0.0)
    # the axes are not mixed, so the model should find B / W per axis (0.04, 0.25, 4, 6.25), times
    # 5/6: 6 speakers' means spread around their own recording's centre by (6 - 1) / 6 of B
    assert np.allclose(np.sort(voices.between), np.array([0.04, 0.25, 4.0, 6.25]) * 5 / 6, rtol=0.2, atol=0.03)
    projected = voices.project(np.stack([s.embedding for s in _recordings(rng, within_std, between_std, 1)[0]]))
    assert projected.shape == (30, 4) and np.allclose(projected.mean(axis=0), 0.0)


def test_voice_model_refuses_bad_shrinkage_and_too_little_speech():
    with pytest.raises(ValueError, match="voice_shrink must be in"):
        ParticleConfig(voice_shrink=1.5)
    with pytest.raises(ValueError, match="stray_share must be in"):
        ParticleConfig(stray_share=-0.1)
    with pytest.raises(InputError, match="too few to estimate the voice model"):
        fit_voice_model([[SubSegment(0.0, 1.5, 0.0, np.ones(3))]])
