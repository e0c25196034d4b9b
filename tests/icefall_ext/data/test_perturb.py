"""Training-cut perturbations applied at feature time: speed copies (icefall's 3-way speed
perturbation) and a random gain per cut (lhotse perturb_volume, sox's `vol`)."""
import subprocess
import sys

import numpy as np
import pytest
from lhotse import CutSet, Recording

from icefall_ext.data.perturb import perturb_training_cuts
from icefall_ext.features.kaldi_native_fbank import KnfFbankConfig, compute_knf_fbank


@pytest.fixture(scope="module")
def cuts(fsdd_subset):
    recs = [Recording.from_file(fsdd_subset / f"{name}.flac") for name in ["7_jackson_3", "0_george_1", "4_lucas_2"]]
    return CutSet.from_cuts(r.to_cut() for r in recs)


def volumes(cut):
    return [t.factor for t in cut.recording.transforms or [] if type(t).__name__ == "Volume"]


def test_every_cut_and_copy_gets_its_own_gain_in_range(cuts):
    out = perturb_training_cuts(cuts, speed_factors=[1.1], volume_db=[-30.0, 10.0], seed=3)
    assert len(out) == 6 and {c.id for c in out} == {c.id for c in cuts} | {f"{c.id}_sp1.1" for c in cuts}
    gains = []
    for c in out:
        assert len(volumes(c)) == 1
        gains.append(20 * np.log10(volumes(c)[0]))
    assert all(-30.0 <= g <= 10.0 for g in gains) and len(set(np.round(gains, 6))) == 6
    again = perturb_training_cuts(cuts, speed_factors=[1.1], volume_db=[-30.0, 10.0], seed=3)
    assert [c.recording.transforms for c in again] == [c.recording.transforms for c in out]
    original = {c.id: c.load_audio() for c in cuts}
    for c, g in zip(out, gains):
        if c.id in original:
            assert np.allclose(c.load_audio(), original[c.id] * 10 ** (g / 20), atol=1e-6)


def test_a_gain_is_a_constant_shift_of_the_log_mel_features(cuts):
    """Why augmenting the level is enough: 20 dB less shifts every fbank bin above the energy floor
    (log FLT_EPSILON; the bins above 4 kHz of upsampled 8 kHz audio sit on it) by 2 ln(0.1), so the
    model only has to learn to ignore that offset."""
    x = cuts[0].resample(16000).load_audio()[0]
    a, b = (compute_knf_fbank(s, 16000, KnfFbankConfig()) for s in (x, 0.1 * x))
    above_floor = b > np.log(np.finfo(np.float32).eps) + 1
    assert above_floor.mean() > 0.5
    assert np.allclose((b - a)[above_floor], 2 * np.log(0.1), atol=1e-3)


def test_no_gain_range_leaves_the_cuts_alone(cuts):
    out = perturb_training_cuts(cuts, speed_factors=[], volume_db=[])
    assert [volumes(c) for c in out] == [[]] * 3
    with pytest.raises(ValueError, match=r"\[low_db, high_db\]"):
        perturb_training_cuts(cuts, volume_db=[10.0, -30.0])


def test_split_step_writes_the_gains_into_the_job_manifests(cuts, tmp_path, repo_root):
    cuts.to_file(tmp_path / "in.jsonl.gz")
    proc = subprocess.run([sys.executable, "-m", "icefall_ext.bin.compute_fbank", "split", str(tmp_path / "in.jsonl.gz"),
                           "1", str(tmp_path / "split"), "--speed-perturb", "0.9", "--volume-perturb-db", "-30", "10"],
                          capture_output=True, text=True, cwd=repo_root)
    assert proc.returncode == 0, proc.stderr
    written = CutSet.from_file(tmp_path / "split" / "cuts.1.jsonl.gz")
    assert len(written) == 6 and all(len(volumes(c)) == 1 for c in written)
