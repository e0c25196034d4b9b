"""icefall_ext.data.kaldi_dir: cuts -> Kaldi data dir (with `segments` where a cut covers part of a
recording) -> lhotse, and users' Kaldi dirs with and without `segments`, bad ones in one line."""
import numpy as np
import pytest
import soundfile as sf
from lhotse import CutSet, Recording, RecordingSet, SupervisionSegment, SupervisionSet

from icefall_ext.data.kaldi_dir import load_kaldi_dir, write_kaldi_data_dir
from recipe_common.errors import InputError

SR = 16000


def wav(path, seconds):
    sf.write(str(path), np.zeros(int(seconds * SR), dtype=np.float32), SR, subtype="PCM_16")
    return path


def spans(sups):
    return sorted((s.id, s.recording_id, round(s.start, 6), round(s.duration, 6), s.text, s.speaker) for s in sups)


def test_cuts_of_parts_of_recordings_round_trip_through_segments(tmp_path):
    recs = RecordingSet.from_recordings(
        [Recording.from_file(wav(tmp_path / f"{r}.wav", 3.0), recording_id=r) for r in ("mtg1", "mtg2")])
    sups = SupervisionSet.from_segments([
        SupervisionSegment("mtg1-a", "mtg1", 0.5, 1.0, text="ONE TWO", speaker="alice"),
        SupervisionSegment("mtg1-b", "mtg1", 2.0, 0.75, text="", speaker="bob"),  # an empty transcript
        SupervisionSegment("mtg2-a", "mtg2", 0.0, 3.0, text="THREE", speaker="alice"),
    ])
    cuts = CutSet.from_manifests(recordings=recs, supervisions=sups).trim_to_supervisions(keep_overlapping=False)
    write_kaldi_data_dir(cuts, tmp_path / "data")
    d = tmp_path / "data"
    assert (d / "segments").read_text() == "mtg1-a mtg1 0.5 1.5\nmtg1-b mtg1 2.0 2.75\nmtg2-a mtg2 0.0 3.0\n"
    assert [line.split()[0] for line in (d / "wav.scp").read_text().splitlines()] == ["mtg1", "mtg2"]
    assert (d / "spk2utt").read_text() == "alice mtg1-a mtg2-a\nbob mtg1-b\n"
    recordings, supervisions = load_kaldi_dir(d, SR)
    assert spans(supervisions) == spans(sups)
    assert [(r.id, r.duration) for r in recordings] == [("mtg1", 3.0), ("mtg2", 3.0)]


def test_whole_recordings_keep_the_layout_without_segments(tmp_path):
    recs = [Recording.from_file(wav(tmp_path / f"u{i}.wav", 1.0 + i), recording_id=f"u{i}") for i in range(2)]
    sups = [SupervisionSegment(r.id, r.id, 0.0, r.duration, text="NINE", speaker="carol") for r in recs]
    cuts = CutSet.from_manifests(recordings=RecordingSet.from_recordings(recs), supervisions=SupervisionSet.from_segments(sups))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "segments").write_text("stale\n")  # from an earlier write of other cuts
    write_kaldi_data_dir(cuts, tmp_path / "data")
    assert not (tmp_path / "data" / "segments").exists()
    assert (tmp_path / "data" / "wav.scp").read_text() == "".join(f"u{i} {tmp_path}/u{i}.wav\n" for i in range(2))
    assert spans(load_kaldi_dir(tmp_path / "data", SR)[1]) == spans(sups)


def users_dir(tmp_path, segments):
    """A Kaldi dir as users write them: unsorted, relative paths (to the recipe folder), spk2gender."""
    (tmp_path / "audio").mkdir()
    d = tmp_path / "data" / "train"
    d.mkdir(parents=True)
    if segments:
        wav(tmp_path / "audio" / "rec1.wav", 4.0)
        (d / "wav.scp").write_text("rec1 audio/rec1.wav\n")
        # -1: to the end of the file; a 5th field, the channel; ends up to 0.5 s late are cut back (extract-segments)
        (d / "segments").write_text("utt2 rec1 2.10 -1\nutt1 rec1 0.25 1.80 0\nutt3 rec1 3.5 4.4\n")
    else:
        for u, sec in (("utt1", 1.55), ("utt2", 1.9)):
            wav(tmp_path / "audio" / f"{u}.wav", sec)
        (d / "wav.scp").write_text("utt2 audio/utt2.wav\nutt1 audio/utt1.wav\n")
    (d / "text").write_text("utt2 FIVE SIX\nutt1 SEVEN\n" + ("utt3\n" if segments else ""))  # utt3: no words
    (d / "utt2spk").write_text("utt2 spkB\nutt1 spkA\n" + ("utt3 spkA\n" if segments else ""))
    (d / "spk2utt").write_text("spkB utt2\nspkA utt1" + (" utt3\n" if segments else "\n"))
    (d / "spk2gender").write_text("spkA f\nspkB m\n")
    return d


@pytest.mark.parametrize("segments, expected", [
    (True, [("utt1", "rec1", 0.25, 1.55, "SEVEN", "spkA", "f"), ("utt2", "rec1", 2.1, 1.9, "FIVE SIX", "spkB", "m"),
            ("utt3", "rec1", 3.5, 0.5, "", "spkA", "f")]),
    (False, [("utt1", "utt1", 0.0, 1.55, "SEVEN", "spkA", "f"), ("utt2", "utt2", 0.0, 1.9, "FIVE SIX", "spkB", "m")]),
])
def test_users_dirs_with_and_without_segments_import(tmp_path, monkeypatch, segments, expected):
    users_dir(tmp_path, segments)
    monkeypatch.chdir(tmp_path)
    recordings, supervisions = load_kaldi_dir("data/train", SR)
    assert [(s.id, s.recording_id, round(s.start, 6), round(s.duration, 6), s.text, s.speaker, s.gender)
            for s in supervisions] == expected
    assert all(r.sources[0].source.startswith(str(tmp_path)) for r in recordings)


def segment_after_the_end(d):
    (d / "segments").write_text("utt1 rec1 0.25 1.80\nutt2 rec1 2.10 4.50\nutt3 rec1 3.5 4.0\n")  # extract-segments: 0.5 s is too far


def segment_of_unknown_recording(d):
    (d / "segments").write_text("utt1 rec1 0.25 1.80\nutt2 rec9 2.10 3.00\nutt3 rec1 3.5 4.0\n")


def reversed_segment(d):
    (d / "segments").write_text("utt1 rec1 1.80 0.25\nutt2 rec1 2.10 3.00\nutt3 rec1 3.5 4.0\n")


def utterance_without_speaker(d):
    (d / "utt2spk").write_text("utt2 spkB\nutt3 spkA\n")
    (d / "spk2utt").write_text("spkB utt2\nspkA utt3\n")


@pytest.mark.parametrize("breaks, message", [
    (segment_after_the_end, r"segments:2: segment 'utt2' \(2.1 to 4.5 s\) is not within its recording 'rec1' \(4 s\)$"),
    (segment_of_unknown_recording, r"segments:2: segment 'utt2' is of recording 'rec9', which has no entry in \S+wav.scp$"),
    (reversed_segment, r"segments:1: segment 'utt1' has start 1.80 and end 0.25; expected 0 <= start < end$"),
    (utterance_without_speaker, r"segments:2: utterance 'utt1' has no entry in \S+utt2spk$"),
])
def test_bad_dirs_are_one_line_errors(tmp_path, monkeypatch, breaks, message):
    d = users_dir(tmp_path, segments=True)
    breaks(d)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=message):
        load_kaldi_dir(d, SR)
