"""LibriSpeechMix-style two-talker mixtures: seeded, two different speakers, partial overlap by the
configured delay rule, level within +-5 dB, splits kept apart."""
import numpy as np
import pytest
from lhotse import CutSet

from icefall_ext.data.mixtures import (
    MixtureConfig,
    is_speed_copy,
    mix_split,
    mix_splits,
    mixture_overlap,
    references_by_speaker,
)
from recipe_common.errors import InputError
from tests.icefall_ext.data.mixture_sources import SR, make_cuts


@pytest.fixture
def train(tmp_path):
    return make_cuts(tmp_path, "train", ["ann", "bob", "cat"])


def test_mixtures_are_deterministic_by_seed(train):
    a, b = mix_split(train, MixtureConfig(seed=1), "train"), mix_split(train, MixtureConfig(seed=1), "train")
    assert [c.to_dict() for c in a] == [c.to_dict() for c in b] and len(a) == len(train)
    c = mix_split(train, MixtureConfig(seed=2), "train")
    assert [m.to_dict() for m in a] != [m.to_dict() for m in c]


def test_two_speakers_with_partial_overlap_by_the_librispeechmix_rule(train):
    for mixture in mix_split(train, MixtureConfig(seed=0), "train"):
        refs = references_by_speaker(mixture)
        assert len(refs) == 2 and refs[0][0] != refs[1][0]
        first, second = sorted(mixture.supervisions, key=lambda s: s.start)
        assert first.start == 0.0
        assert 0.5 <= second.start < first.duration  # delay ~ U[0.5 s, first's length)
        overlap, ratio = mixture_overlap(mixture)
        assert 0 < overlap == pytest.approx(min(first.end, second.end) - second.start) and 0 < ratio < 1
        assert mixture.duration == pytest.approx(max(first.end, second.end))


def test_uniform_delay_rule_stays_in_its_range(train):
    for mixture in mix_split(train, MixtureConfig(delay_rule="uniform", min_delay=0.6, max_delay=0.7), "train"):
        assert 0.6 <= max(s.start for s in mixture.supervisions) <= 0.7


def test_relative_level_within_5_db_and_audio_from_lhotse(train):
    sources = {c.id: c for c in train}
    levels = []
    for mixture in mix_split(train, MixtureConfig(seed=3), "train"):
        first_audio, second_audio = mixture.load_audio(mixed=False)
        first, second = (sources[t.cut.id] for t in mixture.tracks)
        energy = lambda x: float(np.mean(x**2))  # noqa: E731
        level = 10 * np.log10(energy(second_audio) / energy(second.load_audio()))
        level -= 10 * np.log10(energy(first_audio) / energy(first.load_audio()))  # gain of the second
        level += 10 * np.log10(energy(second.load_audio()) / energy(first.load_audio()))  # over the first's level
        assert -5.0 - 1e-3 <= level <= 5.0 + 1e-3
        levels.append(level)
        mixed = mixture.load_audio()
        assert mixed.shape[-1] == pytest.approx(mixture.duration * SR, abs=2)
    assert np.std(levels) > 1.0  # drawn, not constant


def test_splits_are_mixed_apart_and_a_shared_speaker_is_one_line(tmp_path):
    splits = {"train": make_cuts(tmp_path, "train", ["ann", "bob"]),
              "test": make_cuts(tmp_path, "test", ["dan", "eve"], seed=1)}
    out = mix_splits(splits, MixtureConfig())
    assert {s.speaker for c in out["train"] for s in c.supervisions} == {"ann", "bob"}
    assert {s.speaker for c in out["test"] for s in c.supervisions} == {"dan", "eve"}
    splits["test"] = make_cuts(tmp_path, "test", ["dan", "bob"], seed=1)
    with pytest.raises(InputError, match="speaker 'bob' is in both split 'train' and split 'test'"):
        mix_splits(splits, MixtureConfig())
    # a dev set cut out of train (AN4's train_dev) may share its speakers, and only with train
    splits = {"train": splits["train"], "dev": make_cuts(tmp_path, "dev", ["ann", "bob"], seed=2),
              "test": make_cuts(tmp_path, "test", ["dan", "eve"], seed=1)}
    assert set(mix_splits(splits, MixtureConfig(), may_share=[("train", "dev")])) == {"train", "dev", "test"}
    with pytest.raises(InputError, match="speaker 'ann' is in both split 'train' and split 'dev'"):
        mix_splits(splits, MixtureConfig(), may_share=[("dev", "test")])


def test_bad_input_is_one_line(tmp_path):
    with pytest.raises(InputError, match="at least two speakers"):
        mix_split(make_cuts(tmp_path, "x", ["ann"]), MixtureConfig(), "x")
    with pytest.raises(ValueError, match="max_delay"):
        MixtureConfig(delay_rule="uniform")
    with pytest.raises(ValueError, match="delay_rule"):
        MixtureConfig(delay_rule="poisson")


def test_features_come_from_lhotse_and_heat_gives_one_talker_per_channel(train, tmp_path):
    from lhotse import Fbank, FbankConfig, NumpyFilesWriter

    from icefall_ext.losses.heat import assign_channels

    feats = train.compute_and_store_features(Fbank(FbankConfig(num_mel_bins=20, sampling_rate=SR)), tmp_path / "fbank",
                                             storage_type=NumpyFilesWriter)
    for mixture in mix_split(feats, MixtureConfig(seed=4), "train"):
        mixed = mixture.load_features()  # lhotse mixes the two tracks' fbank at their offsets and levels
        assert mixed.shape == (mixture.num_frames, 20)
        first, second = references_by_speaker(mixture)
        assignment = assign_channels(mixture.supervisions, 2)
        assert assignment.transcripts() == [first[2], second[2]] and not assignment.overflow


def test_speed_copies_are_told_from_the_originals(tmp_path):
    cuts = make_cuts(tmp_path, "train", ["ann", "bob"])
    copies = cuts.perturb_speed(0.9)
    assert not any(is_speed_copy(c) for c in cuts) and all(is_speed_copy(c) for c in copies)
    assert all(is_speed_copy(c) for c in CutSet.from_dicts([c.to_dict() for c in copies]))  # as read from a manifest
