"""Forced alignment of a transcript with the transducer's own lattice: the single best path
(Viterbi, max in place of the full sum's log-add) through the RNN-T lattice of the reference
tokens, and the encoder frame at which it emits each token. The endpoint metrics take a word's
end from the frame of its last token (eos_endpoint.py). The recursion is the full-sum loss's in
the max-plus semiring: along label position u, alpha[t] = d[t] + cummax(e - d)[t], and cummax's
indices are the frames at which the best paths entered position u."""
from typing import List

import torch

from icefall_ext.losses.rnnt_loss import gather_blank_and_emit
from icefall_ext.models.transducer import Transducer


def viterbi_emission_frames(blank_lp: torch.Tensor, emit_lp: torch.Tensor) -> List[int]:
    """blank_lp (T, U+1), emit_lp (T, U) of one utterance (valid frames and labels only) -> the
    frame at which the best alignment emits each of the U labels (non-decreasing)."""
    T, U1 = blank_lp.shape
    zero = blank_lp.new_zeros(1)
    d = torch.cat([zero, blank_lp[:-1, 0].cumsum(0)])
    alpha = d
    entered = []
    for u in range(1, U1):
        d = torch.cat([zero, blank_lp[:-1, u].cumsum(0)])
        best, idx = torch.cummax(alpha + emit_lp[:, u - 1] - d, dim=0)
        alpha = d + best
        entered.append(idx)
    frames, t = [], T - 1
    for idx in reversed(entered):
        t = int(idx[t])
        frames.append(t)
    return frames[::-1]


@torch.no_grad()
def align(model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor, y: torch.Tensor,
          y_lens: torch.Tensor) -> List[List[int]]:
    """Per utterance of a batch (y: (N, U) padded with -1), the encoder frame of each token."""
    decoder_out = model.forward_decoder(y)
    logits = model.joiner(encoder_out.unsqueeze(2), decoder_out.unsqueeze(1))
    blank_lp, emit_lp = gather_blank_and_emit(logits, y.clamp(min=0), model.blank_id)
    out = []
    for i in range(y.shape[0]):
        t, u = int(encoder_lens[i]), int(y_lens[i])
        out.append(viterbi_emission_frames(blank_lp[i, :t, : u + 1], emit_lp[i, :t, :u]))
    return out
