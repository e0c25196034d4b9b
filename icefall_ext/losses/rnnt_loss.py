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
from typing import Tuple

import torch


def _gather_blank_and_emit(
    logits: torch.Tensor, targets: torch.Tensor, blank: int
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Log-probabilities of blank (B, T, U+1) and of the next label (B, T, U)."""
    log_norm = torch.logsumexp(logits, dim=-1)  # (B, T, U+1)
    blank_lp = logits[..., blank] - log_norm
    B, T, U1, _ = logits.shape
    index = targets.clamp(min=0).view(B, 1, U1 - 1, 1).expand(B, T, U1 - 1, 1)
    emit_lp = logits[:, :, :-1, :].gather(-1, index).squeeze(-1) - log_norm[:, :, :-1]
    return blank_lp, emit_lp


def rnnt_log_likelihood(
    logits: torch.Tensor,
    targets: torch.Tensor,
    logit_lengths: torch.Tensor,
    target_lengths: torch.Tensor,
    blank: int = 0,
) -> torch.Tensor:
    """log P(y | x) per sequence, summed over all alignments.

    Args:
      logits: (B, T, U+1, V) joiner output, unnormalised.
      targets: (B, U) int labels, padded with any value.
      logit_lengths: (B,) valid frames per sequence.
      target_lengths: (B,) valid labels per sequence.
    """
    B, T, U1, V = logits.shape
    if targets.shape != (B, U1 - 1):
        raise ValueError(f"targets of shape {tuple(targets.shape)} do not match logits {tuple(logits.shape)}")
    blank_lp, emit_lp = _gather_blank_and_emit(logits, targets.long(), blank)
    # Frames past a sequence's end must not reach its valid region; they cannot (alpha[t]
    # only depends on frames before t), and alpha[:, u] only depends on labels before u, so
    # padding needs no mask here.
    zero = logits.new_zeros(B, 1, U1)
    cum_blank = torch.cat([zero, blank_lp[:, :-1].cumsum(dim=1)], dim=1)  # (B, T, U+1), d[t, u]

    alpha = cum_blank[:, :, 0]  # label position 0: only blanks from the start state
    alphas = [alpha]
    for u in range(1, U1):
        d = cum_blank[:, :, u]
        alpha = d + torch.logcumsumexp(alpha + emit_lp[:, :, u - 1] - d, dim=1)
        alphas.append(alpha)
    alpha_all = torch.stack(alphas, dim=2)  # (B, T, U+1)

    batch = torch.arange(B, device=logits.device)
    t_last = logit_lengths.long() - 1
    u_last = target_lengths.long()
    return alpha_all[batch, t_last, u_last] + blank_lp[batch, t_last, u_last]


def rnnt_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    logit_lengths: torch.Tensor,
    target_lengths: torch.Tensor,
    blank: int = 0,
    reduction: str = "mean",
) -> torch.Tensor:
    """Negative log-likelihood of the RNN-T; the same arguments as torchaudio's rnnt_loss.

    reduction: "none" (per sequence), "sum", or "mean" (over sequences).
    """
    if (logit_lengths > logits.shape[1]).any() or (target_lengths > targets.shape[1]).any():
        raise ValueError("a length exceeds the padded size of logits or targets")
    loss = -rnnt_log_likelihood(logits, targets, logit_lengths, target_lengths, blank)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    raise ValueError(f"unknown reduction '{reduction}'")
