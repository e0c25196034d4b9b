"""Transducer = encoder (chosen by name) + stateless decoder + joiner, with an auxiliary CTC head.

The split follows icefall's model.py: `forward_encoder` runs the acoustic side once,
`forward_transducer` and `forward_ctc` score label sequences on its output, and `forward`
returns each loss on its own, so that a training recipe decides how to combine them.

`model.loss: pruned` trains as icefall does, with k2's pruned RNN-T loss (our own PyTorch,
icefall_ext/losses/pruned_rnnt_loss.py): the model then has icefall's `simple_am_proj` and
`simple_lm_proj`, and `forward` returns the simple and the pruned loss in place of the full sum.
The default `full` keeps the full-sum loss and the parameters of the models trained before.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import torch
from torch import nn

from icefall_ext.losses.pruned_rnnt_loss import (
    do_rnnt_pruning,
    get_rnnt_prune_ranges,
    rnnt_loss_pruned,
    rnnt_loss_smoothed,
)
from icefall_ext.losses.eos_latency import EosPenaltyConfig, eos_emission_penalty
from icefall_ext.losses.internal_lm_loss import internal_lm_nll
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
    loss: str = "full"  # full: full-sum RNN-T; pruned: k2's pruned RNN-T, as icefall trains
    # The pruned loss (icefall's train.py flags and defaults): label positions kept per frame,
    # the LM-only and AM-only shares of the simple loss, its weight after warm-up, and the
    # steps over which the simple loss's weight falls from 1 and the pruned loss's rises from 0.1.
    prune_range: int = 5
    lm_scale: float = 0.25
    am_scale: float = 0.0
    simple_loss_scale: float = 0.5
    warm_step: int = 2000
    # ILMT (Meng et al., arXiv 2102.01380): the internal LM's cross-entropy on the transcript, summed
    # over its tokens, added to the transducer loss with this weight; 0 leaves training as it was.
    ilmt_loss_scale: float = 0.0
    # Li et al. 2020's early/late penalty on emitting <eos> (the last label; needs tokens.eos) away
    # from the reference end of the last word, in the full-sum lattice; all 0 leaves training as it was.
    eos_penalty: EosPenaltyConfig = field(default_factory=EosPenaltyConfig)

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
        if self.loss not in ("full", "pruned"):
            raise ValueError(f"loss must be full or pruned, not {self.loss!r}")
        if self.prune_range < 2:
            raise ValueError(f"prune_range must be >= 2 (a band of one position lets no path through), not {self.prune_range}")
        for name in ("lm_scale", "am_scale", "simple_loss_scale"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], not {getattr(self, name)}")
        if self.lm_scale + self.am_scale > 1.0:
            raise ValueError(f"lm_scale + am_scale must be <= 1, not {self.lm_scale + self.am_scale}")
        if self.ilmt_loss_scale < 0:
            raise ValueError(f"ilmt_loss_scale must be >= 0, not {self.ilmt_loss_scale}")
        if self.warm_step < 0:
            raise ValueError(f"warm_step must be >= 0, not {self.warm_step}")
        if self.eos_penalty.active and self.loss != "full":
            raise ValueError("eos_penalty is applied in the full-sum lattice: it needs loss: full, not pruned")


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
        if cfg.loss == "pruned":  # the simple joiner: am + lm in vocabulary space
            self.simple_am_proj = nn.Linear(self.encoder.output_dim, vocab_size)
            self.simple_lm_proj = nn.Linear(cfg.decoder_dim, vocab_size)

    def forward_encoder(
        self, x: torch.Tensor, x_lens: torch.Tensor, full_context: bool = False
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """x: (N, T, F) features -> encoder_out (N, T', D), encoder_out_lens (N,). full_context: a
        causal encoder's attention sees the whole utterance (one chunk as long as the input), the
        reference its streaming decodes are compared with."""
        if full_context:
            return self.encoder(x, x_lens, chunk_size=x.shape[1])
        return self.encoder(x, x_lens)

    def forward_decoder(self, y: torch.Tensor) -> torch.Tensor:
        """y: (N, U) token ids padded with -1 -> (N, U+1, decoder_dim); row u has seen y[:u]."""
        return self.decoder(nn.functional.pad(y, (1, 0), value=self.blank_id))  # the decoder starts from blank

    def forward_transducer(
        self, encoder_out: torch.Tensor, encoder_lens: torch.Tensor, y: torch.Tensor, y_lens: torch.Tensor,
        eos_ref_frames: Optional[torch.Tensor] = None,
    ) -> Dict[str, torch.Tensor]:
        """RNN-T losses summed over the batch: {"rnnt": full sum} or {"simple", "pruned"} (model.loss).
        eos_ref_frames (N,): the reference end frames the <eos> penalty (cfg.eos_penalty) is
        measured from; None: no penalty."""
        decoder_out = self.forward_decoder(y)
        y = y.clamp(min=0)
        if self.cfg.loss == "pruned":
            return self.pruned_losses(encoder_out, encoder_lens, decoder_out, y, y_lens)
        logits = self.joiner(encoder_out.unsqueeze(2), decoder_out.unsqueeze(1))  # (N, T, U+1, V)
        penalty = None
        if eos_ref_frames is not None:
            penalty = eos_emission_penalty(encoder_out.shape[1], eos_ref_frames.to(encoder_out.device), self.cfg.eos_penalty)
        return {"rnnt": rnnt_loss(logits, y, encoder_lens, y_lens, blank=self.blank_id, reduction="sum",
                                  last_label_penalty=penalty)}

    def pruned_losses(
        self, encoder_out: torch.Tensor, encoder_lens: torch.Tensor, decoder_out: torch.Tensor, y: torch.Tensor,
        y_lens: torch.Tensor,
    ) -> Dict[str, torch.Tensor]:
        """icefall's AsrModel.forward_transducer: the smoothed simple loss on the two projections,
        prune ranges from its arc occupations, the joiner on the kept positions, the pruned loss.
        y: (N, U) token ids (no padding value); decoder_out: (N, U+1, decoder_dim)."""
        joiner_vocab = self.joiner.output_linear.out_features
        for name in ("simple_am_proj", "simple_lm_proj"):
            if getattr(self, name).out_features != joiner_vocab:
                raise ValueError(
                    f"{name} gives {getattr(self, name).out_features} classes but the joiner {joiner_vocab}"
                )
        cfg = self.cfg
        lm, am = self.simple_lm_proj(decoder_out), self.simple_am_proj(encoder_out)
        with torch.autocast(encoder_out.device.type, enabled=False):  # the recursion in float32, as icefall
            simple, (blank_grad, emit_grad) = rnnt_loss_smoothed(
                lm.float(), am.float(), y, encoder_lens, y_lens, blank=self.blank_id, lm_only_scale=cfg.lm_scale,
                am_only_scale=cfg.am_scale, reduction="sum", return_grad=True,
            )
        ranges = get_rnnt_prune_ranges(blank_grad, emit_grad, encoder_lens, y_lens, cfg.prune_range)
        am_pruned, lm_pruned = do_rnnt_pruning(
            self.joiner.encoder_proj(encoder_out), self.joiner.decoder_proj(decoder_out), ranges
        )
        logits = self.joiner(am_pruned, lm_pruned, project_input=False)  # (N, T, s, V)
        with torch.autocast(encoder_out.device.type, enabled=False):
            pruned = rnnt_loss_pruned(logits.float(), y, ranges, encoder_lens, y_lens, blank=self.blank_id, reduction="sum")
        return {"simple": simple, "pruned": pruned}

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
        self, x: torch.Tensor, x_lens: torch.Tensor, y: torch.Tensor, y_lens: torch.Tensor,
        eos_ref_frames: Optional[torch.Tensor] = None,
    ) -> Dict[str, torch.Tensor]:
        """{"rnnt": summed RNN-T loss (or "simple" and "pruned" with model.loss pruned), "ctc": summed
        CTC loss (with a CTC head), "ilm": the internal LM's summed cross-entropy (with
        model.ilmt_loss_scale > 0), "frames": encoder frames}.

        x: (N, T, F) features; y: (N, U) token ids padded with -1; y_lens: (N,); eos_ref_frames:
        as forward_transducer's.
        """
        encoder_out, encoder_lens = self.forward_encoder(x, x_lens)
        out = {**self.forward_transducer(encoder_out, encoder_lens, y, y_lens, eos_ref_frames),
               "frames": encoder_lens.sum()}
        if self.ctc_output is not None:
            out["ctc"] = self.forward_ctc(encoder_out, encoder_lens, y, y_lens)
        if self.cfg.ilmt_loss_scale > 0:
            out["ilm"] = internal_lm_nll(self.internal_lm_log_probs(y), y, y_lens).sum()
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
        return self.internal_lm_from_decoder(self.joiner.decoder_proj(self.forward_decoder(y)))

    def internal_lm_from_decoder(self, decoder_out: torch.Tensor) -> torch.Tensor:
        """The internal LM's log-probabilities (..., V) from decoder outputs already passed through
        joiner.decoder_proj (..., joiner_dim), as beam search holds them (ILME fusion)."""
        logits = self.joiner(torch.zeros_like(decoder_out), decoder_out, project_input=False)
        logits = logits.index_fill(-1, torch.tensor([self.blank_id], device=logits.device), float("-inf"))
        return logits.log_softmax(-1)
