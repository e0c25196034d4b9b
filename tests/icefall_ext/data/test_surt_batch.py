"""Mixtures to a SURT batch: features from lhotse, HEAT targets per channel, strict drops counted,
source targets for the HEAT mask loss, and the toy model trains on it."""
import numpy as np
import pytest
import torch
from lhotse import CutSet, Fbank, FbankConfig, NumpyFilesWriter

from icefall_ext.data.mixtures import MixtureConfig, mix_split
from icefall_ext.data.surt_batch import collate_surt_batch
from recipe_common.errors import InputError
from tests.icefall_ext.data.mixture_sources import SR, make_cuts
from tests.icefall_ext.models.surt_toy import surt_model

LETTERS = "WORDSFANBCTE0123456789"  # every character of make_cuts' texts


def encode(text):
    return [1 + LETTERS.index(ch) % 9 for ch in text.replace(" ", "").upper()]


def test_a_batch_of_mixtures_with_one_three_talker_mixture_dropped(tmp_path):
    sources = make_cuts(tmp_path, "train", ["ann", "bob", "cat"], per_speaker=2)
    sources = sources.compute_and_store_features(Fbank(FbankConfig(num_mel_bins=20, sampling_rate=SR)),
                                                 tmp_path / "fbank", storage_type=NumpyFilesWriter)
    mixtures = list(mix_split(sources, MixtureConfig(seed=0), "train"))[:3]
    third = [c for c in sources if c.supervisions[0].speaker not in {s.speaker for s in mixtures[0].supervisions}][0]
    crowded = mixtures[0].mix(third, offset_other_by=0.55).with_id("three-talkers")
    batch = collate_surt_batch(CutSet.from_cuts(mixtures + [crowded]), encode, 2, strict=True)
    assert batch.dropped == 1 and batch.cut_ids == [m.id for m in mixtures]
    assert batch.features.shape[0] == 3 and batch.features.shape[2] == 20
    assert batch.feature_lens.tolist() == [m.num_frames for m in mixtures]
    for i, m in enumerate(mixtures):
        first, second = sorted(m.supervisions, key=lambda s: s.start)
        assert batch.y_lens[:, i].tolist() == [len(encode(first.text)), len(encode(second.text))]
    assert collate_surt_batch(CutSet.from_cuts([crowded]), encode, 2, strict=True) is None
    assert collate_surt_batch(CutSet.from_cuts([crowded]), encode, 2, strict=False).dropped == 0

    with_sources = collate_surt_batch(CutSet.from_cuts(mixtures), encode, 2, strict=True, with_sources=True)
    targets = with_sources.source_targets
    assert targets.shape == (3, 2, *with_sources.features.shape[1:])
    for i, n in enumerate(with_sources.feature_lens.tolist()):
        # The channels' sources, at lhotse's gains and offsets, add up (in energy) to the mixture lhotse built.
        assert torch.allclose(torch.logsumexp(targets[i, :, :n], dim=0), with_sources.features[i, :n], atol=1e-3)
        first, second = sorted(mixtures[i].supervisions, key=lambda s: s.start)
        start = round(second.start / 0.01)
        assert (targets[i, 1, : start - 1] < -20).all() and (targets[i, 1, start + 1 : n] > -20).all()

    model = surt_model().train()
    out = model(batch.features, batch.feature_lens, batch.y, batch.y_lens, source_targets=targets)
    assert np.isfinite(float(out["loss"])) and float(out["heat"]) > 0
    assert float(out["loss"]) == pytest.approx(float(out["rnnt"].sum() + 0.2 * out["ctc"].sum() + 0.2 * out["heat"]),
                                               rel=1e-5)
    out["loss"].backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.masker.parameters())
    assert torch.isfinite(out["rnnt"]).all()


def test_each_channel_ends_where_its_talkers_last_aligned_word_ends(tmp_path):
    from lhotse.supervision import AlignmentItem

    from icefall_ext.data.surt_batch import channel_end_frames
    from icefall_ext.losses.heat import assign_channels

    sources = make_cuts(tmp_path, "train", ["ann", "bob"], per_speaker=1)
    sources = sources.compute_and_store_features(Fbank(FbankConfig(num_mel_bins=20, sampling_rate=SR)),
                                                 tmp_path / "fbank", storage_type=NumpyFilesWriter)
    first, second = list(sources)
    # the last word of each ends 0.1 s before its cut does
    for cut in (first, second):
        cut.supervisions[0].alignment = {"word": [AlignmentItem("WORDS", 0.0, 0.3), AlignmentItem("OF", 0.3, cut.duration - 0.4)]}
    bare = first.mix(make_cuts(tmp_path, "dev", ["cat"], per_speaker=1)[0], offset_other_by=0.5)
    with pytest.raises(InputError, match="has no word alignment"):
        channel_end_frames(bare, assign_channels(bare.supervisions, 2))
    mixture = first.mix(second, offset_other_by=0.6)
    frames = channel_end_frames(mixture, assign_channels(mixture.supervisions, 2))
    ends = [first.duration - 0.1, 0.6 + second.duration - 0.1]
    assert frames == [max(0, int(np.ceil(e / 0.04 - 1e-6)) - 1) for e in ends]
    assert channel_end_frames(mixture, assign_channels(mixture.supervisions, 3))[2] == 0  # an empty channel
    batch = collate_surt_batch(CutSet.from_cuts([mixture]), encode, 2, with_eos_ends=True)
    assert batch.eos_ref_frames.tolist() == [[frames[0]], [frames[1]]]
