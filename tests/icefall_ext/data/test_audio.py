"""Loading users' files: the chosen channel, a warning when it is silent and another is not,
and one line for a file that cannot be used."""
import numpy as np
import pytest
import soundfile as sf

from icefall_ext.data.audio import load_channel
from recipe_common.errors import InputError


@pytest.fixture
def stereo(tmp_path):
    """8 kHz stereo: a tone on channel 1, digital silence on channel 0."""
    t = np.arange(8000) / 8000
    x = np.stack([np.zeros_like(t), 0.3 * np.sin(2 * np.pi * 440 * t)], axis=1)
    path = tmp_path / "stereo.wav"
    sf.write(str(path), x, 8000, subtype="PCM_16")
    return path


def test_channel_choice_and_resampling(stereo):
    x, warning = load_channel(stereo, channel=1)
    assert len(x) == 16000 and np.abs(x).max() > 0.25 and warning is None


def test_a_silent_chosen_channel_names_the_one_with_sound(stereo):
    x, warning = load_channel(stereo, channel=0)
    assert np.abs(x).max() == 0
    assert warning.startswith(f"{stereo}: channel 0 is silent") and warning.endswith("choose it with --channel 1")


def test_a_channel_the_file_does_not_have_and_bad_files(stereo, tmp_path):
    with pytest.raises(InputError, match=r"stereo.wav: --channel 2: the file has 2 channel\(s\), 0 to 1"):
        load_channel(stereo, channel=2)
    with pytest.raises(InputError, match="nope.wav: audio file does not exist"):
        load_channel(tmp_path / "nope.wav")
    (tmp_path / "bad.wav").write_bytes(b"RIFF garbage")
    with pytest.raises(InputError, match="bad.wav: unreadable audio file"):
        load_channel(tmp_path / "bad.wav")
    sf.write(str(tmp_path / "empty.wav"), np.zeros(0), 16000)
    with pytest.raises(InputError, match="empty.wav: zero-length audio file"):
        load_channel(tmp_path / "empty.wav")
