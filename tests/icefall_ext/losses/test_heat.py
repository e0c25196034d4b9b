"""HEAT assignment on hand-made supervisions, against lhotse's K2SurtDataset rule."""
import pytest
from lhotse import SupervisionSegment

from icefall_ext.losses.heat import assign_batch, assign_channels


def sup(start, end, text):
    return SupervisionSegment(id=text, recording_id="r", start=start, duration=end - start, text=text)


def test_two_overlapping_talkers_take_one_channel_each_in_start_order():
    out = assign_channels([sup(0.7, 2.0, "B"), sup(0.0, 1.5, "A")], 2)
    assert out.transcripts() == ["A", "B"] and not out.overflow


def test_a_later_segment_goes_to_the_first_channel_free_at_its_start():
    sups = [sup(0.0, 1.0, "A"), sup(0.5, 3.0, "B"), sup(1.0, 2.0, "C"), sup(2.5, 4.0, "D")]
    # C starts when A ends (end <= start is free), D finds channel 0 free again after C.
    assert assign_channels(sups, 2).transcripts() == ["A C D", "B"]


def test_non_overlapping_talkers_share_channel_zero():
    out = assign_channels([sup(0.0, 1.0, "A"), sup(1.2, 2.0, "B")], 2)
    assert out.transcripts() == ["A B", ""]


def test_three_simultaneous_talkers_overflow_to_the_channel_ending_first():
    sups = [sup(0.0, 3.0, "A"), sup(0.5, 1.5, "B"), sup(1.0, 2.0, "C")]
    out = assign_channels(sups, 2)
    assert out.overflow and out.transcripts() == ["A", "B C"]


def test_strict_drops_and_counts_overflowing_mixtures():
    ok = ("m1", [sup(0.0, 1.0, "A"), sup(0.5, 1.5, "B")])
    bad = ("m2", [sup(0.0, 3.0, "A"), sup(0.5, 1.5, "B"), sup(1.0, 2.0, "C")])
    kept, dropped = assign_batch([ok, bad], 2, strict=True)
    assert [k for k, _ in kept] == ["m1"] and dropped == 1
    kept, dropped = assign_batch([ok, bad], 2, strict=False)
    assert [k for k, _ in kept] == ["m1", "m2"] and dropped == 0


def test_no_channels_is_one_line():
    with pytest.raises(ValueError, match="num_channels must be positive"):
        assign_channels([], 0)


def test_heat_mask_loss_by_hand():
    import torch

    from icefall_ext.losses.heat import heat_mask_loss

    masked, targets = torch.zeros(2, 2, 3, 2), torch.ones(2, 2, 3, 2)
    targets[1, 0] = 3.0  # second mixture: channel 0 errs by 3, channel 1 by 1
    # mixture 0: 2 frames x (1 + 1) / 2 frames = 2; mixture 1: 3 frames x (9 + 1) / 3 frames = 10
    assert float(heat_mask_loss(masked, targets, torch.tensor([2, 3]))) == pytest.approx(12.0)
    with pytest.raises(ValueError, match="differ in shape"):
        heat_mask_loss(masked, targets[:, :1], torch.tensor([2, 3]))
