"""Losses on the transducer's internal LM (Transducer.internal_lm_log_probs): the cross-entropy of
a transcript, which ILMT (arXiv 2102.01380) adds to the RNN-T loss and ILMA (arXiv 2110.05354)
minimises on text alone, and the KL divergence ILMA keeps to the unadapted internal LM.

Both are sums over the U token positions of each sentence: the internal LM has no end-of-sentence
symbol (blank is excluded from it), so the position after the last token has no target and is left
out of the KL as well. Padding positions (u >= y_lens) count nothing.
"""
import torch


def _positions(log_probs: torch.Tensor, y_lens: torch.Tensor) -> torch.Tensor:
    """(N, U) mask of the predicted positions u < y_lens; log_probs: (N, U+1, V)."""
    u = torch.arange(log_probs.shape[1] - 1, device=log_probs.device)
    return u.unsqueeze(0) < y_lens.unsqueeze(1)


def internal_lm_nll(log_probs: torch.Tensor, y: torch.Tensor, y_lens: torch.Tensor) -> torch.Tensor:
    """-sum_u log P_ILM(y_u | y_<u) per sentence (N,). log_probs: (N, U+1, V) for y: (N, U) padded
    with -1."""
    picked = log_probs[:, :-1].gather(-1, y.clamp(min=0).unsqueeze(-1)).squeeze(-1)  # (N, U); padding picks -inf blank
    return -torch.where(_positions(log_probs, y_lens), picked, torch.zeros_like(picked)).sum(dim=1)


def internal_lm_kl(ref_log_probs: torch.Tensor, log_probs: torch.Tensor, y_lens: torch.Tensor) -> torch.Tensor:
    """sum_u KL(P_ref(. | y_<u) || P(. | y_<u)) per sentence (N,): the unadapted internal LM (ref)
    against the adapted one, over the non-blank tokens (the blank column is -inf in both)."""
    finite = torch.isfinite(ref_log_probs)
    diff = torch.where(finite, ref_log_probs - log_probs, torch.zeros_like(log_probs))
    kl = (ref_log_probs.exp() * diff).sum(-1)[:, :-1]  # (N, U)
    return torch.where(_positions(log_probs, y_lens), kl, torch.zeros_like(kl)).sum(dim=1)
