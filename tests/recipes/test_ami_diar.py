"""egs/ami/diar on a tiny corpus in AMI's on-disk layout (Array1 wavs + ami_public_manual_1.6.2
annotations), built from two simulated meetings; every stage runs."""
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from icefall_ext.data.fsdd import scan_fsdd
from diarization.rttm import read_rttm
from diarization.simulate import DigitBank, MeetingSimConfig, simulate_meeting

from .helpers import ROOT, assert_ok, error_lines, run_recipe

RECIPE = "egs/ami/diar"
MEETINGS = {"ES2002a": 1, "ES2011a": 2, "ES2004a": 1}  # one meeting of AMI's train, dev and test lists
SPEAKERS = {"george": "MEE001", "jackson": "MEE002", "lucas": "FEE003", "nicolas": "MEE004"}
pytestmark = pytest.mark.recipe


def build_ami_layout(root: Path, channels: int = 8) -> Path:
    items = scan_fsdd(ROOT / "local" / "fsdd_subset" / "recordings")
    bank = DigitBank([it for it in items if it.speaker in SPEAKERS], 16000)
    cfg = MeetingSimConfig(duration=20.0, speakers=[2, 2], max_order=3)  # long enough for a voice model
    ann = root / "ami_public_manual_1.6.2"
    for d in ("corpusResources", "segments", "words"):
        (ann / d).mkdir(parents=True, exist_ok=True)
    meetings_xml = ["<meetings>"]
    for meeting, seed in MEETINGS.items():
        names = list(SPEAKERS)[2 * (seed - 1):2 * seed]  # dev and test have different speakers
        simulate_meeting(meeting, names, bank, cfg, seed, root / "sim")
        audio, sr = sf.read(str(root / "sim" / f"{meeting}.wav"))
        (root / meeting / "audio").mkdir(parents=True)
        for m in range(channels):
            sf.write(str(root / meeting / "audio" / f"{meeting}.Array1-0{m + 1}.wav"), audio[:, m], sr)
        meetings_xml.append(f'<meeting observation="{meeting}">')
        turns = read_rttm(root / "sim" / f"{meeting}.rttm")
        for agent, name in zip("AB", names):
            meetings_xml.append(f'<speaker nxt_agent="{agent}" global_name="{SPEAKERS[name]}" '
                                f'channel="{"AB".index(agent)}"/>')
            mine = [t for t in turns if t.speaker == name]
            segs = "".join(f'<segment transcriber_start="{t.start}" transcriber_end="{t.end}"/>' for t in mine)
            words = "".join(f'<w starttime="{t.start}" endtime="{t.end}">DIGITS</w>' for t in mine)
            (ann / "segments" / f"{meeting}.{agent}.segments.xml").write_text(f"<root>{segs}</root>")
            (ann / "words" / f"{meeting}.{agent}.words.xml").write_text(f"<root>{words}</root>")
        meetings_xml.append("</meeting>")
    (ann / "corpusResources" / "meetings.xml").write_text("".join(meetings_xml + ["</meetings>"]))
    return root


def test_every_stage_runs_on_a_tiny_corpus_in_ami_layout(tmp_path):
    corpus = build_ami_layout(tmp_path / "amicorpus")
    out = tmp_path / "run"
    proc = run_recipe(RECIPE, ["--corpus-dir", str(corpus), "--conf", "conf/ci.yaml", "--data-dir", str(out / "data"),
                               "--exp-dir", str(out / "exp"), "--results", str(out / "RESULTS.md")])
    assert_ok(proc)
    for part, meeting in (("dev", "ES2011a"), ("test", "ES2004a")):
        turns = read_rttm(out / "data" / part / "rttm")
        assert {t.recording for t in turns} == {meeting}
        assert {t.speaker for t in turns} <= set(SPEAKERS.values()) and len({t.speaker for t in turns}) == 2
    scores = json.loads((out / "exp" / "diar" / "scores.json").read_text())["scores"]
    assert set(scores) == {"ahc", "ahc_stationary", "ahc_kalman", "particle"}
    assert all(np.isfinite(r["test"]["der_0.25"]) for r in scores.values())
    results = (out / "RESULTS.md").read_text()
    assert "# AMI (Array1)" in results and "| ahc_kalman |" in results


def test_a_meeting_with_missing_array_channels_is_one_line_error(tmp_path):
    corpus = build_ami_layout(tmp_path / "amicorpus", channels=7)
    proc = run_recipe(RECIPE, ["--corpus-dir", str(corpus), "--data-dir", str(tmp_path / "data"),
                               "--exp-dir", str(tmp_path / "exp"), "--stop-stage", "1"])
    assert proc.returncode != 0
    lines = error_lines(proc)
    assert len(lines) == 1 and "has 7 Array1 channels, expected 8" in lines[0]
    assert not (tmp_path / "data" / "dev" / "recordings.jsonl.gz").exists()


def test_no_corpus_and_no_download_is_an_error(tmp_path):
    proc = run_recipe(RECIPE, ["--data-dir", str(tmp_path / "data"), "--exp-dir", str(tmp_path / "exp")])
    assert proc.returncode != 0 and "give --corpus-dir" in proc.stderr
