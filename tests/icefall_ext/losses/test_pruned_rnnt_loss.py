"""The pruned RNN-T loss against k2's definitions (k2/python/k2/rnnt_loss.py, arXiv 2206.13236):
the smoothed simple loss, the prune ranges, the loss inside the band, and the full sum it becomes
when the band covers every label position."""
import math

import pytest
import torch

from icefall_ext.losses.pruned_rnnt_loss import (
    do_rnnt_pruning,
    get_rnnt_prune_ranges,
    rnnt_loss_pruned,
    rnnt_loss_smoothed,
)
from icefall_ext.losses.rnnt_loss import rnnt_loss

B, T, S, C = 3, 9, 4, 6
T_LENS, U_LENS = torch.tensor([9, 6, 8]), torch.tensor([4, 1, 3])


def logaddexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


def slow_nll(blank, emit, T: int, U: int) -> float:
    """The forward algorithm one node at a time: blank(t, u), emit(t, u) give arc scores."""
    alpha = [[-math.inf] * (U + 1) for _ in range(T)]
    alpha[0][0] = 0.0
    for t in range(T):
        for u in range(U + 1):
            if t > 0:
                alpha[t][u] = logaddexp(alpha[t][u], alpha[t - 1][u] + blank(t - 1, u))
            if u > 0:
                alpha[t][u] = logaddexp(alpha[t][u], alpha[t][u - 1] + emit(t, u - 1))
    return -(alpha[T - 1][U] + blank(T - 1, U))


def lse(xs) -> float:
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


def slow_smoothed_nll(lm, am, y, b: int, lm_scale: float, am_scale: float, blank: int = 0) -> float:
    """k2's get_rnnt_logprobs_smoothed in scalars: the log-linear mix of softmax(am + lm), softmax(lm),
    and am with the unigram LM (softmax(lm) averaged over every position of the padded batch)."""
    lm, am = lm.double(), am.double()
    nb, ns, nc = lm.shape
    unigram = [sum(math.exp(lm[i, s, c].item() - lse(lm[i, s].tolist())) for i in range(nb) for s in range(ns)) / (nb * ns)
               for c in range(nc)]

    def arc(t: int, u: int, c: int) -> float:
        joint = am[b, t, c].item() + lm[b, u, c].item() - lse((am[b, t] + lm[b, u]).tolist())
        lm_only = lm[b, u, c].item() - lse(lm[b, u].tolist())
        am_only = am[b, t, c].item() + math.log(unigram[c]) - lse([am[b, t, k].item() + math.log(unigram[k]) for k in range(nc)])
        return (1 - lm_scale - am_scale) * joint + lm_scale * lm_only + am_scale * am_only

    return slow_nll(lambda t, u: arc(t, u, blank), lambda t, u: arc(t, u, int(y[b, u])), int(T_LENS[b]), int(U_LENS[b]))


def inputs(seed: int):
    g = torch.Generator().manual_seed(seed)
    lm, am = torch.randn(B, S + 1, C, generator=g), torch.randn(B, T, C, generator=g)
    return lm, am, torch.randint(1, C, (B, S), generator=g)


@pytest.mark.parametrize("lm_scale,am_scale", [(0.0, 0.0), (0.25, 0.0), (0.1, 0.2)])
def test_simple_loss_matches_slow_reference(lm_scale, am_scale):
    lm, am, y = inputs(0)
    ours = rnnt_loss_smoothed(lm.double(), am.double(), y, T_LENS, U_LENS, 0, lm_scale, am_scale, reduction="none")
    for b in range(B):
        assert ours[b].item() == pytest.approx(slow_smoothed_nll(lm, am, y, b, lm_scale, am_scale), rel=1e-9)


def test_simple_loss_without_smoothing_is_the_full_sum_of_the_additive_joiner():
    lm, am, y = inputs(1)
    simple = rnnt_loss_smoothed(lm, am, y, T_LENS, U_LENS, 0, 0.0, 0.0, reduction="none")
    full = rnnt_loss(am.unsqueeze(2) + lm.unsqueeze(1), y, T_LENS, U_LENS, reduction="none")
    assert torch.allclose(simple, full, rtol=1e-5)


def occupations(seed: int):
    lm, am, y = inputs(seed)
    _, (blank_grad, emit_grad) = rnnt_loss_smoothed(lm, am, y, T_LENS, U_LENS, 0, 0.25, 0.0, return_grad=True)
    return blank_grad, emit_grad, y


def test_occupations_are_the_gradients_and_every_frame_has_one_blank():
    lm, am, y = inputs(2)
    lm.requires_grad_(True)
    loss, (blank_grad, emit_grad) = rnnt_loss_smoothed(lm, am, y, T_LENS, U_LENS, 0, 0.25, 0.0, reduction="sum", return_grad=True)
    # each path takes exactly one blank per frame and one emission per label
    assert torch.allclose(blank_grad.sum(dim=(1, 2)), T_LENS.float(), atol=1e-4)
    assert torch.allclose(emit_grad.sum(dim=(1, 2)), U_LENS.float(), atol=1e-4)
    loss.backward()  # the graph survives the occupation pass
    assert lm.grad is not None and torch.isfinite(lm.grad).all()
    with torch.no_grad():  # validation: no graph, the same occupations
        _, (blank_nograd, _) = rnnt_loss_smoothed(lm, am, y, T_LENS, U_LENS, 0, 0.25, 0.0, return_grad=True)
    assert torch.allclose(blank_nograd, blank_grad)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("s_range", [2, 3])
def test_prune_ranges_start_at_zero_never_skip_and_end_on_the_last_label(seed, s_range):
    blank_grad, emit_grad, _ = occupations(seed)
    ranges = get_rnnt_prune_ranges(blank_grad, emit_grad, T_LENS, U_LENS, s_range)
    assert ranges.shape == (B, T, s_range)
    begin = ranges[:, :, 0]
    assert (begin[:, 0] == 0).all()
    steps = begin[:, 1:] - begin[:, :-1]
    assert (steps >= 0).all() and (steps <= s_range - 1).all()
    for b in range(B):
        assert int(U_LENS[b]) in ranges[b, int(T_LENS[b]) - 1].tolist()


def test_prune_ranges_follow_a_dominant_alignment():
    """With all occupation on one path, every frame's window holds that path's label position."""
    path = [0, 0, 1, 1, 2, 2, 2, 3, 4]
    blank_grad, emit_grad = torch.zeros(1, T, S + 1), torch.zeros(1, T, S)
    for t, u in enumerate(path):
        blank_grad[0, t, u] = 1.0
    ranges = get_rnnt_prune_ranges(blank_grad, emit_grad, torch.tensor([T]), torch.tensor([S]), 2)
    assert all(u in ranges[0, t].tolist() for t, u in enumerate(path))


def band_logits(seed: int, ranges: torch.Tensor):
    full = torch.randn(B, T, S + 1, C, generator=torch.Generator().manual_seed(seed))
    return full, full.gather(2, ranges.unsqueeze(3).expand(-1, -1, -1, C))


@pytest.mark.parametrize("s_range", [S + 1, S + 3])
def test_pruned_loss_equals_full_sum_when_the_range_covers_all_labels(s_range):
    blank_grad, emit_grad, y = occupations(3)
    ranges = get_rnnt_prune_ranges(blank_grad, emit_grad, T_LENS, U_LENS, s_range)
    assert ranges.shape[2] == S + 1  # k2 narrows a wider range to the S+1 positions there are
    full, pruned = band_logits(3, ranges)
    expected = rnnt_loss(full, y, T_LENS, U_LENS, reduction="none")
    assert torch.allclose(rnnt_loss_pruned(pruned, y, ranges, T_LENS, U_LENS, reduction="none"), expected, rtol=1e-6)


@pytest.mark.parametrize("s_range", [2, 3])
def test_pruned_loss_sums_the_alignments_inside_the_band(s_range):
    blank_grad, emit_grad, y = occupations(4)
    ranges = get_rnnt_prune_ranges(blank_grad, emit_grad, T_LENS, U_LENS, s_range)
    full, pruned = band_logits(4, ranges)
    ours = rnnt_loss_pruned(pruned.double(), y, ranges, T_LENS, U_LENS, reduction="none")
    lp = full.double().log_softmax(-1)
    for b in range(B):
        def arc(t, u, c):
            return lp[b, t, u, c].item() if u in ranges[b, t].tolist() else -math.inf

        ref = slow_nll(lambda t, u: arc(t, u, 0), lambda t, u: arc(t, u, int(y[b, u])), int(T_LENS[b]), int(U_LENS[b]))
        assert ours[b].item() == pytest.approx(ref, rel=1e-9)
    assert (ours >= rnnt_loss(full.double(), y, T_LENS, U_LENS, reduction="none") - 1e-9).all()  # fewer paths


def test_too_many_labels_for_the_band_is_an_infinite_loss():
    """Each frame can advance s - 1 positions: 4 labels in 2 frames do not fit a band of 2 (k2: inf)."""
    y = torch.tensor([[1, 2, 3, 4]])
    ranges = get_rnnt_prune_ranges(torch.rand(1, 2, 5), torch.rand(1, 2, 4), torch.tensor([2]), torch.tensor([4]), 2)
    logits = torch.randn(1, 2, 2, C)
    assert rnnt_loss_pruned(logits, y, ranges, torch.tensor([2]), torch.tensor([4]), reduction="sum").item() == math.inf


def test_gradcheck_pruned_and_simple_losses():
    blank_grad, emit_grad, y = occupations(5)
    ranges = get_rnnt_prune_ranges(blank_grad, emit_grad, T_LENS, U_LENS, 2)
    _, pruned = band_logits(5, ranges)
    pruned = pruned.double().requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda x: rnnt_loss_pruned(x, y, ranges, T_LENS, U_LENS, reduction="sum"), (pruned,), eps=1e-6, atol=1e-5
    )
    lm, am, y = inputs(5)
    lm, am = lm.double().requires_grad_(True), am.double().requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda a, b: rnnt_loss_smoothed(a, b, y, T_LENS, U_LENS, 0, 0.25, 0.1, reduction="sum"), (lm, am), eps=1e-6, atol=1e-5
    )


def test_pruning_indexes_the_joiner_inputs_of_the_kept_positions():
    ranges = torch.tensor([[[0, 1], [1, 2], [1, 2]]])
    am, lm = torch.randn(1, 3, 4), torch.randn(1, 3, 4)
    am_pruned, lm_pruned = do_rnnt_pruning(am, lm, ranges)
    assert torch.equal(lm_pruned[0, 1, 1], lm[0, 2]) and torch.equal(am_pruned[0, 2, 0], am[0, 2])


def test_bad_input_is_one_line():
    blank_grad, emit_grad, y = occupations(6)
    ranges = get_rnnt_prune_ranges(blank_grad, emit_grad, T_LENS, U_LENS, 3)
    wide = ranges[:, :, :1] + torch.arange(S + 2)  # 6 positions for 4 labels
    for call in (
        lambda: rnnt_loss_pruned(torch.randn(B, T, S + 2, C), y, wide, T_LENS, U_LENS),
        lambda: do_rnnt_pruning(torch.randn(B, T, 8), torch.randn(B, S + 1, 8), wide),
    ):
        with pytest.raises(ValueError, match="prune ranges of width 6 reach label position .*, but the targets have 4 labels"):
            call()
    with pytest.raises(ValueError, match="prune range 1: the regular transducer needs at least 2"):
        get_rnnt_prune_ranges(blank_grad, emit_grad, T_LENS, U_LENS, 1)
    lm, am, _ = inputs(6)
    with pytest.raises(ValueError, match="decoder projection gives 6 classes but its encoder projection 5"):
        rnnt_loss_smoothed(lm, am[..., :5], y, T_LENS, U_LENS)
    y[0, 0] = 5
    with pytest.raises(ValueError, match="the targets hold token id 5 but the joiner gives 5 classes"):
        rnnt_loss_pruned(torch.randn(B, T, 3, 5), y, ranges, T_LENS, U_LENS)
