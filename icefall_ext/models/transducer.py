"""Transducer = encoder (chosen by name) + stateless decoder + joiner, with an auxiliary CTC head.

The split follows icefall's model.py: `forward_encoder` runs the acoustic side once,
`forward_transducer` and `forward_ctc` score label sequences on its output, and `forward`
returns each loss on its own, so that a training recipe decides how to combine them.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, Tuple

import torch
from torch import nn

from icefall_ext.losses.rnnt_loss import rnnt_loss
from icefall_ext.models.decoder import Decoder
from icefall_ext.models.encoder import build_encoder, encoder_config_class
from icefall_ext.models.joiner import Joiner


def _encoder_section_type(section: Dict[str, Any]) -> type:
    """The dataclass `model.encoder` is read into: that of `model.encoder_type`."""
    return encoder_config_class(section.get("encoder_type", "conformer"))


@dataclass
class TransducerConfig:
    encoder_type: str = "conformer"
    encoder: Any = field(default=None, metadata={"config_type": _encoder_section_type})
    decoder_dim: int = 256
    joiner_dim: int = 256
    context_size: int = 2
    ctc_loss_scale: float = 0.2  # auxiliary CTC on the encoder output; speeds up the alignment search early on

    def __post_init__(self):
        config_cls = encoder_config_class(self.encoder_type)
        if self.encoder is None:
            self.encoder = config_cls()
        elif not isinstance(self.encoder, config_cls):
            raise ValueError(f"encoder_type '{self.encoder_type}' needs a {config_cls.__name__}, not {type(self.encoder).__name__}")
        for name in ("decoder_dim", "joiner_dim", "context_size"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        if self.ctc_loss_scale < 0:
            raise ValueError(f"ctc_loss_scale must be >= 0, not {self.ctc_loss_scale}")


class Transducer(nn.Module):
    def __init__(self, cfg: TransducerConfig, vocab_size: int, blank_id: int = 0):
        super().__init__()
        self.cfg = cfg
        self.blank_id = blank_id
        self.vocab_size = vocab_size
        self.encoder = build_encoder(cfg.encoder_type, cfg.encoder)
        self.decoder = Decoder(vocab_size, cfg.decoder_dim, blank_id, cfg.context_size)
        self.joiner = Joiner(self.encoder.output_dim, cfg.decoder_dim, cfg.joiner_dim, vocab_size)
        self.ctc_output = nn.Linear(self.encoder.output_dim, vocab_size) if cfg.ctc_loss_scale > 0 else None

    def forward_encoder(self, x: torch.Tensor, x_lens: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """x: (N, T, F) features -> encoder_out (N, T', D), encoder_out_lens (N,)."""
        return self.encoder(x, x_lens)

    def forward_decoder(self, y: torch.Tensor) -> torch.Tensor:
        """y: (N, U) token ids padded with -1 -> (N, U+1, decoder_dim); row u has seen y[:u]."""
        return self.decoder(nn.functional.pad(y, (1, 0), value=self.blank_id))  # the decoder starts from blank

    def forward_transducer(
        self, encoder_out: torch.Tensor, encoder_lens: torch.Tensor, y: torch.Tensor, y_lens: torch.Tensor
    ) -> torch.Tensor:
        """Full-sum RNN-T loss summed over the batch."""
        decoder_out = self.forward_decoder(y)
        logits = self.joiner(encoder_out.unsqueeze(2), decoder_out.unsqueeze(1))  # (N, T, U+1, V)
        return rnnt_loss(logits, y.clamp(min=0), encoder_lens, y_lens, blank=self.blank_id, reduction="sum")

    def forward_ctc(
        self, encoder_out: torch.Tensor, encoder_lens: torch.Tensor, y: torch.Tensor, y_lens: torch.Tensor
    ) -> torch.Tensor:
        """CTC loss of the auxiliary head summed over the batch (the model must have one)."""
        if self.ctc_output is None:
            raise ValueError("this transducer has no CTC head (model.ctc_loss_scale is 0)")
        log_probs = self.ctc_output(encoder_out).log_softmax(-1).transpose(0, 1)  # (T, N, V)
        return nn.functional.ctc_loss(
            log_probs, y.clamp(min=0), encoder_lens, y_lens, blank=self.blank_id, reduction="sum", zero_infinity=True
        )

    def forward(
        self, x: torch.Tensor, x_lens: torch.Tensor, y: torch.Tensor, y_lens: torch.Tensor
    ) -> Dict[str, torch.Tensor]:
        """{"rnnt": summed RNN-T loss, "ctc": summed CTC loss (with a CTC head), "frames": encoder frames}.

        x: (N, T, F) features; y: (N, U) token ids padded with -1; y_lens: (N,).
        """
        encoder_out, encoder_lens = self.forward_encoder(x, x_lens)
        out = {"rnnt": self.forward_transducer(encoder_out, encoder_lens, y, y_lens), "frames": encoder_lens.sum()}
        if self.ctc_output is not None:
            out["ctc"] = self.forward_ctc(encoder_out, encoder_lens, y, y_lens)
        return out

    def internal_lm_log_probs(self, y: torch.Tensor) -> torch.Tensor:
        """The internal LM of Meng et al. (ILME, arXiv 2011.01991; ILMA, arXiv 2110.05354): the joiner
        on the decoder output alone, its projected encoder input replaced by zeros (so the encoder
        projection's bias goes too), and the softmax taken over the non-blank tokens only.

        y: (N, U) token ids padded with -1 -> (N, U+1, V) log-probabilities; row u is the
        distribution of token u given y[:u]; the blank column is -inf. icefall's `ilme_scale`
        (fast_beam_search) zeroes the encoder the same way but normalises over the whole vocabulary,
        blank included, so its scores are not a distribution over label sequences.
        """
        decoder_out = self.joiner.decoder_proj(self.forward_decoder(y))
        logits = self.joiner(torch.zeros_like(decoder_out), decoder_out, project_input=False)
        logits = logits.index_fill(-1, torch.tensor([self.blank_id], device=logits.device), float("-inf"))
        return logits.log_softmax(-1)
