"""egs/meeting/diar end to end at its CI config, re-runs, and bad input."""
import json

import numpy as np
import pytest
import soundfile as sf

from .helpers import assert_ok, run_recipe

RECIPE = "egs/meeting/diar"
DIARIZERS = ["ahc", "ahc_stationary", "ahc_kalman", "particle"]
SETS = ["dev_stationary", "dev_moving", "test_stationary", "test_moving"]
pytestmark = pytest.mark.recipe


@pytest.fixture(scope="module")
def meeting_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("meeting")
    args = ["--conf", "conf/ci.yaml", "--data-dir", str(out / "data"), "--exp-dir", str(out / "exp"),
            "--results", str(out / "RESULTS.md")]
    proc = run_recipe(RECIPE, args)
    assert_ok(proc)
    return out, args, proc


def test_every_stage_writes_its_outputs(meeting_run):
    out, _, proc = meeting_run
    for s in SETS:
        data = out / "data" / s
        assert (data / "rttm").is_file() and (data / "recordings.jsonl.gz").is_file()
        wav = next((data / "wav").glob("*.wav"))
        audio, sr = sf.read(str(wav))
        assert audio.shape[1] == 8 and sr == 16000
        traj = json.loads(next((data / "trajectories").glob("*.json")).read_text())
        moving = [s_["moving"] for s_ in traj["speakers"].values()]
        assert any(moving) == s.endswith("moving")
        assert (out / "exp" / "frontend" / f"{s}.pt").is_file()
    for d in DIARIZERS:
        assert (out / "exp" / "diar" / d / "params.json").is_file()
        for s in SETS:
            assert (out / "exp" / "diar" / d / s / "rttm").stat().st_size > 0
    voices = np.load(out / "exp" / "diar" / "particle" / "voice_model.npz")
    assert voices["transform"].shape == (40, 40) and voices["between"].shape == (40,)
    scored = json.loads((out / "exp" / "diar" / "scores.json").read_text())
    scores = scored["scores"]
    assert set(scores) == set(DIARIZERS)
    assert set(scored["doa"]) == set(SETS) and scored["doa_gate_deg"] == 24.0  # 3 x the tracker's 8 degrees
    for shares in scored["doa"].values():
        assert shares["sub-segments"] > 0 and np.isclose(sum(v for k, v in shares.items() if k != "sub-segments"), 100)
    for d in DIARIZERS:
        for s in ("test_stationary", "test_moving"):
            row = scores[d][s]
            assert 0 <= row["der_0.25"] <= 200 and 0 <= row["der_0"] <= 200 and row["speaker_count_error"] >= 0
            assert ("tracking_error_deg" in row) == (d != "ahc")
    assert len(list((out / "exp" / "diar" / "plots").glob("*.png"))) == 2
    results = (out / "RESULTS.md").read_text()
    for text in ["DER (%), collar 0.25 s", "DER (%), no collar", "Speaker-count error", "Location tracking error",
                 "Operating points", "Where the sub-segments' DOAs point", "Targets (computed from the tables)",
                 "| ahc_kalman |", "--conf conf/ci.yaml"]:
        assert text in results
    assert "# Simulated meetings" in proc.stdout


def test_simulation_is_deterministic(meeting_run, tmp_path):
    out, _, _ = meeting_run
    proc = run_recipe(RECIPE, ["--conf", "conf/ci.yaml", "--data-dir", str(tmp_path / "data"),
                               "--exp-dir", str(tmp_path / "exp"), "--stage", "1", "--stop-stage", "1"])
    assert_ok(proc)
    for s in SETS:
        assert (tmp_path / "data" / s / "rttm").read_text() == (out / "data" / s / "rttm").read_text()
        a = sf.read(str(next((tmp_path / "data" / s / "wav").glob("*.wav"))))[0]
        b = sf.read(str(next((out / "data" / s / "wav").glob("*.wav"))))[0]
        assert np.array_equal(a, b)


def test_rerun_does_nothing(meeting_run):
    out, args, _ = meeting_run
    scores = out / "exp" / "diar" / "ahc_kalman" / "test_moving" / "rttm"
    before = scores.stat().st_mtime
    proc = run_recipe(RECIPE, args + ["--stage", "1", "--stop-stage", "3"])
    assert_ok(proc)
    assert scores.stat().st_mtime == before
    assert f"{out / 'data' / '.simulate.done'}: done already, skipping" in proc.stdout
    assert "ahc_kalman: done" in proc.stderr


def test_a_changed_simulation_section_stops_stage_1(meeting_run, tmp_path, repo_root):
    """Today the sets already simulated were kept whatever the config said (the 'exists, skipping'
    of local/simulate_meetings.py), so the scores came from meetings of another config."""
    out, args, _ = meeting_run
    conf = tmp_path / "ci.yaml"
    conf.write_text((repo_root / RECIPE / "conf" / "ci.yaml").read_text().replace("test_meetings: 1", "test_meetings: 2"))
    i = args.index("--conf")
    proc = run_recipe(RECIPE, args[:i + 1] + [str(conf)] + args[i + 2:] + ["--stage", "1", "--stop-stage", "1"])
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
    assert "config section 'simulation' changed" in proc.stderr and f"remove {out / 'data'}" in proc.stderr


def test_wav_with_wrong_channel_count_is_one_line_error(meeting_run, tmp_path):
    out, _, _ = meeting_run
    data = tmp_path / "data"
    for s in SETS:
        src = out / "data" / s
        (data / s).mkdir(parents=True)
        for name in ("rttm", "array.json"):
            (data / s / name).write_text((src / name).read_text())
    s = "dev_stationary"
    rec = next((out / "data" / s / "wav").glob("*.wav"))
    stereo = data / s / rec.name
    sf.write(str(stereo), sf.read(str(rec))[0][:, :2], 16000)
    from lhotse import Recording, RecordingSet
    for other in SETS:
        wavs = [stereo] if other == s else sorted((out / "data" / other / "wav").glob("*.wav"))
        RecordingSet.from_recordings([Recording.from_file(w, recording_id=w.stem) for w in wavs]).to_file(
            data / other / "recordings.jsonl.gz")
    proc = run_recipe(RECIPE, ["--conf", "conf/ci.yaml", "--data-dir", str(data), "--exp-dir", str(tmp_path / "exp"),
                               "--stage", "2", "--stop-stage", "2", "--nj", "1"])
    assert proc.returncode != 0
    log = (tmp_path / "exp" / "frontend" / "log" / "frontend.1.log").read_text()
    assert f"{stereo}: 2 channels, but the array has 8 microphones" in log
    assert not (tmp_path / "exp" / "frontend" / f"{s}.pt").exists()
    # run.pl names the one job's log, as Kaldi's does ('job failed, log is in ...'); it holds the one line
    assert f"run.pl: job failed, log is in {tmp_path}/exp/frontend/log/frontend.1.log" in proc.stderr
