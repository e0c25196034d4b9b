"""Pruned RNN-T loss (Kuang et al., "Pruned RNN-T for fast, memory-efficient ASR training",
arXiv 2206.13236) in plain PyTorch, following k2's `rnnt_loss_smoothed`, `get_rnnt_prune_ranges`,
`do_rnnt_pruning` and `rnnt_loss_pruned` (k2/python/k2/rnnt_loss.py).

The full-sum loss needs the joiner on every (frame, label position) pair, a (B, T, U+1, V)
tensor. Here a "simple" joiner, the sum of two linear projections to the vocabulary, gives a
cheap loss whose arc occupations say, for each frame, which `s` consecutive label positions carry
the alignments; the real joiner then runs only there, on a (B, T, s, V) tensor. Every lattice
goes through the full-sum loss's recursion (`lattice_log_likelihood`), the band's missing arcs
as -inf.

Differences from k2's API: lengths (B,) of frames and labels instead of its `boundary` (B, 4),
always the regular (not "modified") transducer, and the arc scores kept frames-first, (B, T, ...).
"""
from typing import Tuple

import torch

from icefall_ext.losses.rnnt_loss import lattice_log_likelihood, reduce_loss


def _check_targets(symbols: torch.Tensor, num_classes: int, what: str) -> None:
    if symbols.numel() and (symbols.min() < 0 or symbols.max() >= num_classes):
        bad = int(symbols.max()) if symbols.max() >= num_classes else int(symbols.min())
        raise ValueError(f"the targets hold token id {bad} but {what} gives {num_classes} classes")


def smoothed_lattice(
    lm: torch.Tensor,
    am: torch.Tensor,
    symbols: torch.Tensor,
    blank: int,
    lm_only_scale: float = 0.1,
    am_only_scale: float = 0.1,
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Arc scores (blank (B, T, S+1), emit (B, T, S)) of the simple joiner `softmax(am + lm)`,
    interpolated in the log domain with an LM-only (softmax(lm)) and an AM-only lattice (am with a
    unigram LM: softmax(lm) averaged over the whole padded batch, as in k2) by the two scales.

    lm: (B, S+1, C) simple_lm_proj(decoder_out); am: (B, T, C) simple_am_proj(encoder_out);
    symbols: (B, S) token ids.
    """
    if lm.shape[-1] != am.shape[-1]:
        raise ValueError(
            f"the simple loss's decoder projection gives {lm.shape[-1]} classes but its encoder projection {am.shape[-1]}"
        )
    B, T, C = am.shape
    S = lm.shape[1] - 1
    if symbols.shape != (B, S) or lm.shape[0] != B:
        raise ValueError(f"targets of shape {tuple(symbols.shape)} do not match lm {tuple(lm.shape)} and am {tuple(am.shape)}")
    _check_targets(symbols, C, "the simple loss's projections")
    symbols = symbols.long()
    tiny = torch.finfo(am.dtype).tiny
    # log sum_c exp(am[t, c] + lm[s, c]) for every (t, s) as one matrix product of probabilities.
    am_max = am.max(dim=2, keepdim=True).values  # (B, T, 1)
    lm_max = lm.max(dim=2, keepdim=True).values  # (B, S+1, 1)
    am_probs, lm_probs = (am - am_max).exp(), (lm - lm_max).exp()
    norm = (torch.matmul(am_probs, lm_probs.transpose(1, 2)) + tiny).log() + am_max + lm_max.transpose(1, 2)  # (B, T, S+1)

    lm_only_norm = lm_probs.sum(dim=2)  # (B, S+1)
    unigram = (lm_probs / lm_only_norm.unsqueeze(2)).mean(dim=(0, 1)) + tiny  # (C,)
    am_only_norm = torch.matmul(am_probs, unigram).log() + am_max.squeeze(2)  # (B, T)
    log_unigram = unigram.log()
    lm_only_norm = lm_only_norm.log() + lm_max.squeeze(2)  # (B, S+1)

    am_sym = am.gather(2, symbols.unsqueeze(1).expand(B, T, S))  # (B, T, S): am[t, y_{s+1}]
    lm_sym = lm[:, :S].gather(2, symbols.unsqueeze(2)).squeeze(2)  # (B, S)
    am_blank, lm_blank = am[:, :, blank], lm[:, :, blank]  # (B, T), (B, S+1)

    emit = am_sym + lm_sym.unsqueeze(1) - norm[:, :, :S]
    blank_lp = am_blank.unsqueeze(2) + lm_blank.unsqueeze(1) - norm
    emit_lm = (lm_sym - lm_only_norm[:, :S]).unsqueeze(1)
    blank_lm = (lm_blank - lm_only_norm).unsqueeze(1)
    emit_am = am_sym + log_unigram[symbols].unsqueeze(1) - am_only_norm.unsqueeze(2)
    blank_am = (am_blank + log_unigram[blank] - am_only_norm).unsqueeze(2)

    combined = 1.0 - lm_only_scale - am_only_scale
    emit = combined * emit + lm_only_scale * emit_lm + am_only_scale * emit_am
    blank_lp = combined * blank_lp + lm_only_scale * blank_lm + am_only_scale * blank_am
    return blank_lp, emit


def rnnt_loss_smoothed(
    lm: torch.Tensor,
    am: torch.Tensor,
    symbols: torch.Tensor,
    logit_lengths: torch.Tensor,
    target_lengths: torch.Tensor,
    blank: int = 0,
    lm_only_scale: float = 0.1,
    am_only_scale: float = 0.1,
    reduction: str = "mean",
    return_grad: bool = False,
):
    """The simple (smoothed) RNN-T loss; with return_grad, also the occupation of every blank
    (B, T, S+1) and emission (B, T, S) arc, i.e. d(-loss)/d(arc score) per sequence (k2's px_grad,
    py_grad), detached, for `get_rnnt_prune_ranges`."""
    blank_lp, emit_lp = smoothed_lattice(lm, am, symbols, blank, lm_only_scale, am_only_scale)
    log_like = lattice_log_likelihood(blank_lp, emit_lp, logit_lengths, target_lengths)
    loss = reduce_loss(-log_like, reduction)
    if not return_grad:
        return loss
    if blank_lp.requires_grad:
        blank_grad, emit_grad = torch.autograd.grad(log_like.sum(), (blank_lp, emit_lp), retain_graph=True)
    else:  # no graph (validation under no_grad): recompute the recursion on leaves
        with torch.enable_grad():
            b, e = blank_lp.detach().requires_grad_(), emit_lp.detach().requires_grad_()
            blank_grad, emit_grad = torch.autograd.grad(lattice_log_likelihood(b, e, logit_lengths, target_lengths).sum(), (b, e))
    return loss, (blank_grad.detach(), emit_grad.detach())


def _monotonic_lower_bound(x: torch.Tensor) -> torch.Tensor:
    """The largest non-decreasing sequence (along the last dim) that is <= x everywhere."""
    return x.flip(-1).cummin(dim=-1).values.flip(-1)


def get_rnnt_prune_ranges(
    blank_grad: torch.Tensor,
    emit_grad: torch.Tensor,
    logit_lengths: torch.Tensor,
    target_lengths: torch.Tensor,
    s_range: int,
) -> torch.Tensor:
    """(B, T, s) label positions kept per frame: for each frame the window of `s_range` positions
    whose blank occupation, less the emissions that enter it from below, is largest (the paper's
    section 3.2), then bounded so that it starts at 0, never moves back, never skips a position
    and ends, from the last frame on, at the last label. A range wider than the padded label
    sequence is narrowed to S+1 positions (no pruning), as k2 does.

    blank_grad: (B, T, S+1); emit_grad: (B, T, S), from rnnt_loss_smoothed(return_grad=True).
    """
    if s_range < 2:
        raise ValueError(f"prune range {s_range}: the regular transducer needs at least 2, or no path survives pruning")
    B, T, S1 = blank_grad.shape
    s_range = min(s_range, S1)
    # (B, T, S1 - s + 1): blank occupation summed over each window, less the emissions into its bottom
    window = blank_grad.unfold(2, s_range, 1).sum(-1)
    emit_in = torch.cat([emit_grad.new_zeros(B, T, 1), emit_grad], dim=2)[:, :, : S1 - s_range + 1]
    s_begin = (window - emit_in).argmax(dim=2)  # (B, T)

    frames = torch.arange(T, device=s_begin.device)
    last = (target_lengths.long() - s_range + 1).clamp(min=0).unsqueeze(1)
    s_begin = torch.where(frames < logit_lengths.unsqueeze(1) - 1, s_begin, last)
    # k2's _adjust_pruning_lower_bound: non-decreasing, then steps of at most s - 1 (no label
    # skipped) through the transform s -> frame * (s - 1) - s, and the first frame at 0.
    s_begin = _monotonic_lower_bound(s_begin)
    shifted = _monotonic_lower_bound(frames * (s_range - 1) - s_begin).clamp(min=0)
    s_begin = frames * (s_range - 1) - shifted
    return s_begin.unsqueeze(2) + torch.arange(s_range, device=s_begin.device)


def do_rnnt_pruning(am: torch.Tensor, lm: torch.Tensor, ranges: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Joiner inputs on the kept positions only: am (B, T, J) and lm (B, S+1, J) -> two (B, T, s, J).

    lm is indexed rather than gathered from a (B, T, S+1, J) expansion (as k2 does), so that its
    gradient is accumulated into (B, S+1, J) and no full-lattice tensor is ever made.
    """
    B, T, s = ranges.shape
    if am.shape[:2] != (B, T) or lm.shape[0] != B:
        raise ValueError(f"prune ranges {tuple(ranges.shape)} do not match am {tuple(am.shape)} and lm {tuple(lm.shape)}")
    _check_ranges(ranges, lm.shape[1] - 1)
    lm_pruned = lm[torch.arange(B, device=lm.device).view(B, 1, 1), ranges]
    return am.unsqueeze(2).expand(B, T, s, am.shape[2]), lm_pruned


def _check_ranges(ranges: torch.Tensor, num_labels: int) -> None:
    if ranges.numel() and (ranges.min() < 0 or ranges.max() > num_labels):
        raise ValueError(
            f"prune ranges of width {ranges.shape[2]} reach label position {int(ranges.max())}, "
            f"but the targets have {num_labels} labels (positions 0..{num_labels})"
        )


def rnnt_loss_pruned(
    logits: torch.Tensor,
    symbols: torch.Tensor,
    ranges: torch.Tensor,
    logit_lengths: torch.Tensor,
    target_lengths: torch.Tensor,
    blank: int = 0,
    reduction: str = "mean",
) -> torch.Tensor:
    """RNN-T loss on the pruned joiner output logits (B, T, s, C), ranges (B, T, s) from
    get_rnnt_prune_ranges: the lattice outside the band has no arcs."""
    B, T, s, C = logits.shape
    S = symbols.shape[1]
    if ranges.shape != (B, T, s) or symbols.shape[0] != B:
        raise ValueError(
            f"prune ranges {tuple(ranges.shape)} and targets {tuple(symbols.shape)} do not match logits {tuple(logits.shape)}"
        )
    _check_ranges(ranges, S)
    _check_targets(symbols, C, "the joiner")
    if logits.dtype in (torch.float16, torch.bfloat16):
        logits = logits.float()
    norm = logits.logsumexp(dim=3)  # (B, T, s)
    with_final = torch.cat([symbols.long(), symbols.new_full((B, 1), blank).long()], dim=1)  # (B, S+1)
    kept_symbols = with_final.unsqueeze(1).expand(B, T, S + 1).gather(2, ranges)  # next label at each kept position
    emit_kept = logits.gather(3, kept_symbols.unsqueeze(3)).squeeze(3) - norm
    blank_kept = logits[..., blank] - norm
    missing = logits.new_full((B, T, S + 1), float("-inf"))
    blank_lp = missing.scatter(2, ranges, blank_kept)
    emit_lp = missing.scatter(2, ranges, emit_kept)[:, :, :S]
    return reduce_loss(-lattice_log_likelihood(blank_lp, emit_lp, logit_lengths, target_lengths), reduction)
