import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from icefall_ext.data.connected_digits import ConnectedDigitsConfig, make_connected_digits, split_sources
from icefall_ext.data.fsdd import DIGIT_WORDS, prepare_fsdd, scan_fsdd
from recipe_common.errors import InputError


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory, fsdd_subset) -> Path:
    """Takes 0-11 of three speakers from the embedded subset."""
    out = tmp_path_factory.mktemp("fsdd")
    for p in fsdd_subset.glob("*.flac"):
        digit, speaker, take = p.stem.split("_")
        if speaker in ("george", "jackson", "lucas") and int(take) < 12:
            shutil.copy(p, out / p.name)
    return out


def small_config(**kw) -> ConnectedDigitsConfig:
    cfg = ConnectedDigitsConfig(
        test_speakers=["lucas"], dev_takes=(3, 4), test_takes=(0, 2),
        num_utterances={"train": 12, "dev": 4, "test": 4, "test_open": 4},
    )
    for k, v in kw.items():
        setattr(cfg, k, v)
    return cfg


def test_prepare_fsdd_manifests(small_corpus):
    m = prepare_fsdd(small_corpus)
    assert len(m["recordings"]) == len(m["supervisions"]) == 3 * 10 * 12
    sup = m["supervisions"]["3_george_7"]
    assert sup.text == "THREE" and sup.speaker == "george"
    assert m["recordings"]["3_george_7"].sampling_rate == 8000


def test_splits_keep_takes_and_speakers_apart(small_corpus):
    items = scan_fsdd(small_corpus)
    src = split_sources(items, small_config())
    takes = {k: {(it.speaker, it.take) for it in v} for k, v in src.items()}
    assert not takes["train"] & takes["dev"] and not takes["train"] & takes["test"] and not takes["dev"] & takes["test"]
    assert {s for s, _ in takes["test_open"]} == {"lucas"}
    assert "lucas" not in {s for s, _ in takes["train"] | takes["dev"] | takes["test"]}


def test_connected_digits_are_deterministic_16k_and_transcribed(small_corpus, tmp_path):
    items = scan_fsdd(small_corpus)
    a = make_connected_digits(items, small_config(), tmp_path / "a")
    b = make_connected_digits(items, small_config(), tmp_path / "b")
    for split in a:
        for ca, cb in zip(a[split], b[split]):
            assert ca.supervisions[0].text == cb.supervisions[0].text
            assert np.array_equal(ca.load_audio(), cb.load_audio())
    cut = a["train"][0]
    words = cut.supervisions[0].text.split()
    assert 3 <= len(words) <= 7 and set(words) <= set(DIGIT_WORDS)
    assert cut.sampling_rate == 16000
    ali = cut.supervisions[0].alignment["word"]
    assert [x.symbol for x in ali] == words
    assert all(x.start + x.duration <= cut.duration + 1e-3 for x in ali)


def test_unknown_test_speaker_names_the_present_ones(small_corpus):
    with pytest.raises(InputError, match="speakers present: george, jackson, lucas"):
        split_sources(scan_fsdd(small_corpus), small_config(test_speakers=["alice"]))


def test_missing_and_empty_corpus_dirs(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        scan_fsdd(tmp_path / "nope")
    with pytest.raises(InputError, match="no FSDD recordings"):
        scan_fsdd(tmp_path)


def test_zero_length_and_unreadable_wavs_are_named(tmp_path):
    sf.write(str(tmp_path / "1_bob_0.wav"), np.zeros(800, dtype=np.int16), 8000)
    sf.write(str(tmp_path / "2_bob_0.wav"), np.zeros(0, dtype=np.int16), 8000)
    with pytest.raises(InputError, match=r"2_bob_0.wav: zero-length"):
        scan_fsdd(tmp_path)
    (tmp_path / "2_bob_0.wav").write_bytes(b"RIFF garbage")
    with pytest.raises(InputError, match=r"2_bob_0.wav: unreadable audio"):
        scan_fsdd(tmp_path)
