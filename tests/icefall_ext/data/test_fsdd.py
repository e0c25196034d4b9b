import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from icefall_ext.data.connected_digits import (
    QUIET_SPLITS,
    SPLITS,
    ConnectedDigitsConfig,
    join_with_gaps,
    make_connected_digits,
    split_sources,
)
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
        num_utterances={"train": 12, "dev": 4, "test": 4, "test_open": 4, "test_nopause": 4, "test_silence": 4},
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
    cut = next(c for c in a["train"] if c.supervisions[0].text)
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


@pytest.fixture(scope="module")
def conditions(small_corpus, tmp_path_factory):
    """Every split, with half of train/dev silent and a quarter without pauses."""
    cfg = small_config(silence_share=0.5, no_pause_share=0.25)
    return make_connected_digits(scan_fsdd(small_corpus), cfg, tmp_path_factory.mktemp("wavs")), cfg


def frame_db(x: np.ndarray, hop: int = 160) -> np.ndarray:
    n = len(x) // hop
    return 10 * np.log10(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)


def test_every_condition_is_a_split_of_its_own(conditions):
    splits, _ = conditions
    assert set(splits) == set(SPLITS) | set(QUIET_SPLITS)
    assert all(len(splits[s]) == 4 for s in ("test_nopause", "test_silence", "test_quiet", "test_open_quiet"))


def test_digits_without_pauses_overlap_their_neighbours(conditions):
    """Fluent speech runs digits together: in test_nopause each digit starts before (at most
    crossfade[1] s) or exactly where the previous one ends, and no 100 ms between the first
    and the last digit is as quiet as the pauses of the ordinary test set."""
    splits, cfg = conditions
    for cut in splits["test_nopause"]:
        ali = cut.supervisions[0].alignment["word"]
        assert len(ali) >= cfg.min_digits
        for prev, nxt in zip(ali, ali[1:]):
            overlap = prev.start + prev.duration - nxt.start
            assert -1e-3 <= overlap <= cfg.crossfade[1] + 1e-3
        x = cut.load_audio()[0]
        inner = frame_db(x[int(ali[0].start * 16000): int((ali[-1].start + ali[-1].duration) * 16000)])
        quiet = np.convolve(inner < -60, np.ones(10), "valid")  # 10 frames in a row below -60 dBFS
        assert quiet.max() < 10
    pauses = [frame_db(c.load_audio()[0]) for c in splits["test"]]
    assert all(np.convolve(e < -60, np.ones(10), "valid").max() == 10 for e in pauses)


def test_silence_utterances_have_empty_transcripts(conditions):
    splits, cfg = conditions
    for cut in splits["test_silence"]:
        sup = cut.supervisions[0]
        assert sup.text == "" and sup.alignment["word"] == []
        rms_db = 20 * np.log10(np.sqrt(np.mean(cut.load_audio()[0] ** 2)) + 1e-12)
        assert rms_db <= cfg.silence_level_db[1] + 1
        assert cfg.silence_duration[0] - 0.01 <= cut.duration <= cfg.silence_duration[1] + 0.01
    train = [c.supervisions[0].text for c in splits["train"]]
    assert "" in train and any(train), "training mixes digit-free utterances with digits"


def test_quiet_sets_are_the_test_sets_attenuated(conditions):
    splits, cfg = conditions
    gain = 10 ** (cfg.quiet_gain_db / 20)
    for quiet, source in QUIET_SPLITS.items():
        for q, c in zip(splits[quiet], splits[source]):
            assert q.supervisions[0].id == c.supervisions[0].id.replace(f"-{source}-", f"-{quiet}-")
            assert q.supervisions[0].text == c.supervisions[0].text
            assert np.abs(q.load_audio() - gain * c.load_audio()).max() <= 1.01 / 32768  # re-quantised to 16 bits


def test_cross_fade_keeps_the_level_across_the_overlap():
    a, b = np.ones(100, np.float32), np.ones(80, np.float32)
    out, starts = join_with_gaps([a, b], [-20 / 1000], 1000)
    assert starts == [0, 80] and len(out) == 160 and np.allclose(out, 1.0, atol=0.06)
    out, starts = join_with_gaps([a, b], [0.01], 1000)
    assert starts == [0, 110] and len(out) == 190 and out[100:110].max() == 0


def test_every_split_needs_a_count():
    with pytest.raises(ValueError, match="missing or zero: test_nopause, test_silence"):
        ConnectedDigitsConfig(num_utterances={"train": 2, "dev": 1, "test": 1, "test_open": 1})
