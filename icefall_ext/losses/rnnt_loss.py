"""Full-sum RNN-T loss (Graves 2012) in plain PyTorch.

k2 and torchaudio are not dependencies of this project, so the loss is ours. The forward
variable alpha is computed one label position at a time, because a transducer has far fewer
labels than frames (FSDD: about 15 against 100; the Python loop and its autograd graph are
what costs time on CPU). Along the frames of one label position u the recursion

    alpha[t, u] = logaddexp(alpha[t-1, u] + blank[t-1, u], alpha[t, u-1] + emit[t, u-1]),

is a linear recurrence in the log semiring, solved for all t at once with a log-cumsum-exp:
with d[t] = sum_{s<t} blank[s, u] and e[t] = alpha[t, u-1] + emit[t, u-1],
alpha[t, u] = d[t] + logcumsumexp(e - d)[t]. Gradients come from autograd through that
recursion, which stores only (B, T) values per label; the (B, T, U+1, V) joiner output is never
normalised into a second tensor of its size (log-softmax is applied to the gathered entries).
"""
from typing import Optional, Tuple

import torch


def gather_blank_and_emit(
    logits: torch.Tensor, targets: torch.Tensor, blank: int
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Log-probabilities of blank (B, T, U+1) and of the next label (B, T, U)."""
    log_norm = torch.logsumexp(logits, dim=-1)  # (B, T, U+1)
    blank_lp = logits[..., blank] - log_norm
    B, T, U1, _ = logits.shape
    index = targets.clamp(min=0).view(B, 1, U1 - 1, 1).expand(B, T, U1 - 1, 1)
    emit_lp = logits[:, :, :-1, :].gather(-1, index).squeeze(-1) - log_norm[:, :, :-1]
    return blank_lp, emit_lp


# Stands for a missing arc (-inf) inside the recursion: finite, so that neither logaddexp nor
# its gradient meets -inf - -inf; exp(NEG - x) is exactly 0 for any score a lattice can reach.
NEG = -1.0e30


def lattice_log_likelihood(
    blank_lp: torch.Tensor, emit_lp: torch.Tensor, logit_lengths: torch.Tensor, target_lengths: torch.Tensor
) -> torch.Tensor:
    """log P(y | x) per sequence from the lattice's arc scores (k2's py and px, frames first).

    Args:
      blank_lp: (B, T, U+1) log-probability of blank at node (t, u) (to node (t+1, u)).
      emit_lp: (B, T, U) log-probability of label u+1 at node (t, u) (to node (t, u+1)).
      logit_lengths, target_lengths: (B,) valid frames and labels per sequence.

    -inf marks an arc that is not in the lattice, as outside the band of the pruned loss. It is
    supported where, as there, the nodes with a finite blank form one run of frames for each u
    and a node with an infinite blank is a dead end (no finite emission leaves it). There the
    recursion below sets the missing blanks to 0 and the scores arriving at dead nodes to NEG:
    the run of frames then starts from its first node's emission alone, as it should.
    """
    if blank_lp.dtype in (torch.float16, torch.bfloat16):
        blank_lp, emit_lp = blank_lp.float(), emit_lp.float()
    B, T, U1 = blank_lp.shape
    live = torch.isfinite(blank_lp)  # (B, T, U+1): nodes with a way out
    blank_or_zero = torch.where(live, blank_lp, torch.zeros_like(blank_lp))
    emit_lp = emit_lp.clamp(min=NEG)
    # Frames past a sequence's end must not reach its valid region; they cannot (alpha[t]
    # only depends on frames before t), and alpha[:, u] only depends on labels before u, so
    # padding needs no mask here.
    zero = blank_lp.new_zeros(B, 1, U1)
    cum_blank = torch.cat([zero, blank_or_zero[:, :-1].cumsum(dim=1)], dim=1)  # (B, T, U+1), d[t, u]

    neg = blank_lp.new_full((), NEG)
    alpha = torch.where(live[:, :, 0], cum_blank[:, :, 0], neg)  # label position 0: only blanks from the start state
    alphas = [alpha]
    for u in range(1, U1):
        d = cum_blank[:, :, u]
        arrive = torch.where(live[:, :, u], alpha + emit_lp[:, :, u - 1], neg)
        alpha = torch.where(live[:, :, u], d + torch.logcumsumexp(arrive - d, dim=1), neg)
        alphas.append(alpha)
    alpha_all = torch.stack(alphas, dim=2)  # (B, T, U+1)

    batch = torch.arange(B, device=blank_lp.device)
    t_last = logit_lengths.long() - 1
    u_last = target_lengths.long()
    total = alpha_all[batch, t_last, u_last] + blank_lp[batch, t_last, u_last]
    # A final node outside the lattice (more labels than a pruned band lets through): no path.
    return torch.where(total > NEG / 2, total, torch.full_like(total, float("-inf")))


def penalise_last_label(emit_lp: torch.Tensor, target_lengths: torch.Tensor, penalty: torch.Tensor) -> torch.Tensor:
    """emit_lp (B, T, U) with penalty (B, T) subtracted from the arcs that emit each sequence's
    last label (u = target_lengths - 1) at frame t; sequences without labels are left as they are."""
    B, T, U = emit_lp.shape
    last = (target_lengths.long() - 1).clamp(min=0)
    is_last = torch.arange(U, device=emit_lp.device).unsqueeze(0) == last.unsqueeze(1)  # (B, U)
    is_last = is_last & (target_lengths > 0).unsqueeze(1)
    return emit_lp - penalty.unsqueeze(2) * is_last.unsqueeze(1).to(emit_lp.dtype)


def rnnt_log_likelihood(
    logits: torch.Tensor,
    targets: torch.Tensor,
    logit_lengths: torch.Tensor,
    target_lengths: torch.Tensor,
    blank: int = 0,
    last_label_penalty: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """log P(y | x) per sequence, summed over all alignments.

    Args:
      logits: (B, T, U+1, V) joiner output, unnormalised.
      targets: (B, U) int labels, padded with any value.
      logit_lengths: (B,) valid frames per sequence.
      target_lengths: (B,) valid labels per sequence.
      last_label_penalty: (B, T) subtracted from the log-probability of emitting the last label at
        each frame (the end-of-sentence latency penalty, losses/eos_latency.py); None: none.
    """
    B, T, U1, V = logits.shape
    if targets.shape != (B, U1 - 1):
        raise ValueError(f"targets of shape {tuple(targets.shape)} do not match logits {tuple(logits.shape)}")
    blank_lp, emit_lp = gather_blank_and_emit(logits, targets.long(), blank)
    if last_label_penalty is not None:
        emit_lp = penalise_last_label(emit_lp, target_lengths, last_label_penalty)
    return lattice_log_likelihood(blank_lp, emit_lp, logit_lengths, target_lengths)


def rnnt_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    logit_lengths: torch.Tensor,
    target_lengths: torch.Tensor,
    blank: int = 0,
    reduction: str = "mean",
    last_label_penalty: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """Negative log-likelihood of the RNN-T; the same arguments as torchaudio's rnnt_loss, and
    last_label_penalty as rnnt_log_likelihood's.

    reduction: "none" (per sequence), "sum", or "mean" (over sequences).
    """
    if (logit_lengths > logits.shape[1]).any() or (target_lengths > targets.shape[1]).any():
        raise ValueError("a length exceeds the padded size of logits or targets")
    log_likelihood = rnnt_log_likelihood(logits, targets, logit_lengths, target_lengths, blank, last_label_penalty)
    return reduce_loss(-log_likelihood, reduction)


def reduce_loss(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """Per-sequence losses reduced as torchaudio's and k2's `reduction` argument says."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    raise ValueError(f"unknown reduction '{reduction}'")
