"""DER as md-eval computes it on hand-made RTTMs, turns from sub-segments, where DOAs point, and bad
diarisation data."""
import json

import numpy as np
import pytest
import soundfile as sf
from lhotse import Recording, RecordingSet

from diarization.array import CircularArray
from diarization.data import load_diar_set, write_diar_set
from diarization.frontend import SubSegment
from diarization.rttm import Turn, read_rttm, write_rttm
from diarization.scoring import DerAccumulator, DoaOutliers, labels_to_turns, speaker_mapping
from recipe_common.errors import InputError

REF = [Turn("r", 0.0, 10.0, "A"), Turn("r", 10.0, 10.0, "B")]


@pytest.mark.parametrize("collar, expected", [(0.0, 2.0 / 20), (0.25, 1.75 / 19)])
def test_der_of_a_late_speaker_change(collar, expected):
    hyp = [Turn("r", 0.0, 12.0, "x"), Turn("r", 12.0, 8.0, "y")]
    assert DerAccumulator(collar).add(REF, hyp, 20.0) == pytest.approx(expected)


def test_der_counts_miss_false_alarm_and_overlap():
    ref = REF + [Turn("r", 5.0, 2.0, "B")]  # 2 s of overlap: 22 s of reference speech
    hyp = [Turn("r", 0.0, 9.0, "x"), Turn("r", 10.0, 11.0, "y")]  # misses 1 s of A and the overlap; 1 s extra
    acc = DerAccumulator(0.0)
    assert acc.add(ref, hyp, 21.0) == pytest.approx((1 + 2 + 1) / 22)
    assert speaker_mapping(ref, hyp, 21.0) == {"x": "A", "y": "B"}


@pytest.mark.parametrize("collar, expected", [(0.25, 0.5 / 0.8), (0.0, 1.0 / 2.8)])
def test_speakers_are_mapped_on_the_whole_recording_as_md_eval_does(collar, expected):
    """md-eval-22.pl maps speakers by the time they talk at once over the whole evaluated
    recording, and only then removes the collars to score; pyannote maps after removing them.

    A talks in [0, 0.6], [1, 1.6], [2, 2.6] and [3, 4] (recording of 4 s); the hypothesis gives the
    three short turns to x and the last to y. Whole recording: x meets A for 1.8 s, y for 1.0 s, so
    x -> A and y's 1.0 s is confusion: 1.0 / 2.8 at collar 0. Collar 0.25 s: every 0.4 s gap lies
    within the collars of its two boundaries and each turn keeps its inside, [0.25, 0.35],
    [1.25, 1.35], [2.25, 2.35] (x, 0.3 s) and [3.25, 3.75] (y, 0.5 s): 0.8 s scored. md-eval keeps
    x -> A, so y's 0.5 s is confusion: 0.5 / 0.8 = 62.5 % (md-eval-22.pl -c 0.25 with a UEM of 0-4 s
    prints 62.50, and 35.71 with -c 0).
    Mapping after the collars would pick y -> A (0.5 s > 0.3 s) and give 0.3 / 0.8 = 37.5 %."""
    ref = [Turn("r", s, d, "A") for s, d in [(0.0, 0.6), (1.0, 0.6), (2.0, 0.6), (3.0, 1.0)]]
    hyp = [Turn("r", t.start, t.duration, "y" if t.start == 3.0 else "x") for t in ref]
    assert DerAccumulator(collar).add(ref, hyp, 4.0) == pytest.approx(expected)
    assert speaker_mapping(ref, hyp, 4.0) == {"x": "A"}


def test_doas_at_their_speaker_at_another_talker_or_elsewhere():
    turns = [Turn("r", 0.0, 10.0, "A"), Turn("r", 9.0, 11.0, "B")]  # B sits at 90 degrees, then walks
    segs = [SubSegment(1.0, 2.5, np.radians(3.0)), SubSegment(8.5, 10.0, np.radians(90.0)),
            SubSegment(15.0, 16.5, np.radians(101.0)), SubSegment(15.0, 16.5, np.radians(-150.0)),
            SubSegment(30.0, 31.5, 0.0)]  # the last in silence: not counted
    where = DoaOutliers(np.radians(5.0))
    where.add(segs, turns, [0.0, 10.0, 20.0], {"A": [0.0] * 3, "B": np.radians([90.0, 90.0, 110.0])})
    assert where.counts == {"at its speaker": 2, "at another talker": 1, "elsewhere": 1}
    assert where.shares()["elsewhere"] == 25.0 and where.shares()["sub-segments"] == 4


def test_rttm_round_trip_and_turns_from_overlapping_subsegments(tmp_path):
    segs = [SubSegment(0.0, 1.5), SubSegment(0.75, 2.25), SubSegment(1.5, 3.0), SubSegment(4.0, 5.0)]
    turns = labels_to_turns("r", segs, [0, 0, 1, 1])
    assert [(t.start, t.end, t.speaker) for t in turns] == [(0.0, 1.875, "spk0"), (1.875, 3.0, "spk1"),
                                                            (4.0, 5.0, "spk1")]
    write_rttm(tmp_path / "x.rttm", turns)
    assert read_rttm(tmp_path / "x.rttm") == turns


def test_malformed_rttm_names_file_and_line(tmp_path):
    (tmp_path / "bad.rttm").write_text("SPEAKER r 1 0.0 1.0 <NA> <NA> A <NA> <NA>\nSPEAKER r 1 abc 1.0 <NA> <NA> A\n")
    with pytest.raises(InputError, match="bad.rttm:2: malformed RTTM line"):
        read_rttm(tmp_path / "bad.rttm")


def make_set(tmp_path, channels=8, turns=None, rec_id="m1"):
    wav = tmp_path / f"{rec_id}.wav"
    sf.write(str(wav), np.zeros((16000, channels), dtype=np.float32), 16000)
    recs = RecordingSet.from_recordings([Recording.from_file(wav, recording_id=rec_id)])
    write_diar_set(tmp_path / "set", recs, turns if turns is not None else [Turn(rec_id, 0.1, 0.5, "A")],
                   CircularArray(), {rec_id: {"times": [0.0], "speakers": {}}})
    return tmp_path / "set"


def test_a_good_set_loads(tmp_path):
    data = load_diar_set(make_set(tmp_path))
    assert list(data.recordings) == ["m1"] and data.turns["m1"][0].speaker == "A" and "m1" in data.trajectories
    assert json.loads((tmp_path / "set" / "array.json").read_text())["num_mics"] == 8


@pytest.mark.parametrize("kwargs, message", [
    ({"channels": 2}, "m1.wav: 2 channels, but the array has 8 microphones"),
    ({"turns": [Turn("m9", 0.1, 0.5, "A")]}, "refers to recording 'm9', which is not in the data"),
    ({"turns": []}, "recording 'm1' has no speech (an empty meeting)"),
])
def test_bad_sets_are_one_line_errors(tmp_path, kwargs, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_diar_set(make_set(tmp_path, **kwargs))
