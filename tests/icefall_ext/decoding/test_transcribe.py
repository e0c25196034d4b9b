"""The transcription loop over users' files, with a stand-in recogniser: a bad file is named on
stderr and the others are still transcribed; long files are decoded segment by segment."""
import io

import numpy as np
import soundfile as sf

from icefall_ext.decoding.segmentation import SegmentationConfig
from icefall_ext.decoding.transcribe import transcribe_files


def write(path, seconds, level=0.1, sr=16000, pause_every=None):
    x = level * np.random.default_rng(0).standard_normal(int(seconds * sr))
    if pause_every:
        for start in np.arange(pause_every, seconds, pause_every):
            x[int(start * sr): int((start + 0.3) * sr)] *= 1e-3
    sf.write(str(path), x.astype(np.float32), sr, subtype="PCM_16")
    return path


def run(inputs):
    calls = []

    def recognise(samples):
        calls.append(len(samples))
        return "" if len(samples) < 1600 else f"N{len(calls)}"

    out, err = io.StringIO(), io.StringIO()
    failed = transcribe_files(inputs, recognise, 0, SegmentationConfig(), out, err, "transcribe.py")
    return failed, out.getvalue().splitlines(), err.getvalue().splitlines(), calls


def test_one_bad_file_does_not_stop_the_batch(tmp_path):
    (tmp_path / "bad.wav").write_bytes(b"RIFF garbage")
    inputs = [("a", write(tmp_path / "a.wav", 2)), ("missing", tmp_path / "missing.wav"), ("bad", tmp_path / "bad.wav"),
              ("b", write(tmp_path / "b.wav", 3))]
    failed, out, err, _ = run(inputs)
    assert failed == 2 and out == ["a N1", "b N2"]
    assert err == [f"transcribe.py: error: {tmp_path}/missing.wav: audio file does not exist",
                   f"transcribe.py: error: {tmp_path}/bad.wav: unreadable audio file (LibsndfileError)"]


def test_a_long_file_is_decoded_in_segments_and_short_audio_prints_an_empty_line(tmp_path):
    failed, out, err, calls = run([("long", write(tmp_path / "long.wav", 24, pause_every=2.5)),
                                   ("tiny", write(tmp_path / "tiny.wav", 0.05))])
    assert failed == 0 and len(calls) >= 5 and max(calls[:-1]) <= 6 * 16000
    assert out[0] == "long " + " ".join(f"N{i + 1}" for i in range(len(calls) - 1)) and out[1] == "tiny"
    assert err == [f"transcribe.py: {tmp_path}/long.wav: 24.0 s, decoded in {len(calls) - 1} segments cut at pauses"]
