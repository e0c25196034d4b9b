"""Transducer = encoder + stateless decoder + joiner, trained with the full-sum RNN-T loss."""
from dataclasses import dataclass, field
from typing import Tuple

import torch
from torch import nn

from icefall_ext.losses.rnnt_loss import rnnt_loss
from icefall_ext.models.conformer import ConformerConfig, ConformerEncoder
from icefall_ext.models.decoder import Decoder
from icefall_ext.models.joiner import Joiner


@dataclass
class TransducerConfig:
    encoder: ConformerConfig = field(default_factory=ConformerConfig)
    decoder_dim: int = 256
    joiner_dim: int = 256
    context_size: int = 2
    ctc_loss_scale: float = 0.2  # auxiliary CTC on the encoder output; speeds up the alignment search early on


class Transducer(nn.Module):
    def __init__(self, cfg: TransducerConfig, vocab_size: int, blank_id: int = 0):
        super().__init__()
        self.cfg = cfg
        self.blank_id = blank_id
        self.vocab_size = vocab_size
        self.encoder = ConformerEncoder(cfg.encoder)
        self.decoder = Decoder(vocab_size, cfg.decoder_dim, blank_id, cfg.context_size)
        self.joiner = Joiner(self.encoder.output_dim, cfg.decoder_dim, cfg.joiner_dim, vocab_size)
        self.ctc_output = nn.Linear(self.encoder.output_dim, vocab_size) if cfg.ctc_loss_scale > 0 else None

    def forward(
        self, x: torch.Tensor, x_lens: torch.Tensor, y: torch.Tensor, y_lens: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Summed loss over the batch (RNN-T, plus the scaled CTC loss when configured) and
        the number of encoder frames it covers.

        x: (N, T, F) features; y: (N, U) token ids padded with -1; y_lens: (N,).
        """
        encoder_out, encoder_lens = self.encoder(x, x_lens)
        sos_y = nn.functional.pad(y, (1, 0), value=self.blank_id)  # the decoder starts from blank
        decoder_out = self.decoder(sos_y)  # (N, U+1, D)
        logits = self.joiner(encoder_out.unsqueeze(2), decoder_out.unsqueeze(1))  # (N, T, U+1, V)
        targets = y.clamp(min=0)
        loss = rnnt_loss(logits, targets, encoder_lens, y_lens, blank=self.blank_id, reduction="sum")
        if self.ctc_output is not None:
            ctc_log_probs = self.ctc_output(encoder_out).log_softmax(-1).transpose(0, 1)  # (T, N, V)
            ctc = nn.functional.ctc_loss(
                ctc_log_probs, targets, encoder_lens, y_lens, blank=self.blank_id, reduction="sum", zero_infinity=True
            )
            loss = loss + self.cfg.ctc_loss_scale * ctc
        return loss, encoder_lens.sum()
