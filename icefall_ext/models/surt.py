"""SURT (streaming unmixing and recognition transducer; icefall's egs/libricss/SURT, SURT 2.0):
a mask encoder splits the features of an overlapped mixture into `num_channels` masked copies,
and one single-talker transducer recognises every copy, its encoder run on the channels as one
batch of num_channels * N (channel-major, icefall's "(c b)"), its decoder and joiner shared.

The masker is a unidirectional LSTM over feature frames, where icefall has a DPRNN: an LSTM is
causal frame by frame, so its streaming state is one (h, c) pair and the masked features of a
streaming window are those of the whole utterance exactly, without a segment size of its own
to agree with the encoder's chunks; it is also the cheapest masker on a CPU. The masks go
through a sigmoid, not a softmax over channels, so that both channels may keep a time-frequency
bin (overlapped speech shares bins), as icefall's.

Training targets come from HEAT (icefall_ext/losses/heat.py): channel c learns the references
assigned to it, concatenated. The loss is the per-channel RNN-T (with the <eos> latency penalty
of icefall_ext/losses/eos_latency.py per channel, where given) plus the auxiliary CTC of the
shared encoder, plus, where the batch has source targets, icefall's HEAT mask loss on the
masked features (losses/heat.py).
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn

from icefall_ext.losses.heat import heat_mask_loss
from icefall_ext.models.subsampling import LOOKAHEAD_FRAMES
from icefall_ext.models.transducer import Transducer, TransducerConfig
from recipe_common.errors import InputError


@dataclass
class MaskerConfig:
    hidden_dim: int = 256
    num_layers: int = 2
    dropout: float = 0.0  # between LSTM layers

    def __post_init__(self):
        for name in ("hidden_dim", "num_layers"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), not {self.dropout}")


@dataclass
class SurtConfig:
    transducer: TransducerConfig = field(default_factory=TransducerConfig)  # the shared single-talker model
    masker: MaskerConfig = field(default_factory=MaskerConfig)
    num_channels: int = 2
    rnnt_loss_scale: float = 1.0
    ctc_loss_scale: float = 0.2  # icefall SURT's --ctc-loss-scale; needs transducer.ctc_loss_scale > 0 for the head
    heat_loss_scale: float = 0.2  # icefall SURT's --heat-loss-scale; used where the batch has source targets

    def __post_init__(self):
        if self.num_channels < 1:
            raise ValueError(f"num_channels must be positive, not {self.num_channels}")
        for name in ("rnnt_loss_scale", "ctc_loss_scale", "heat_loss_scale"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, not {getattr(self, name)}")
        if self.ctc_loss_scale > 0 and self.transducer.ctc_loss_scale <= 0:
            raise ValueError("ctc_loss_scale > 0 needs the CTC head: transducer.ctc_loss_scale > 0")
        if self.transducer.loss != "full":
            raise ValueError(f"SURT trains with the full-sum RNN-T loss (transducer.loss: full), not {self.transducer.loss!r}")


class LstmMasker(nn.Module):
    """Features (N, T, F) -> masks (N, C, T, F) in (0, 1), each frame's from frames up to it alone."""

    def __init__(self, num_features: int, num_channels: int, cfg: MaskerConfig):
        super().__init__()
        self.num_channels = num_channels
        self.norm = nn.LayerNorm(num_features)  # per frame: log-mel levels vary by corpus
        self.lstm = nn.LSTM(num_features, cfg.hidden_dim, cfg.num_layers, batch_first=True, dropout=cfg.dropout)
        self.out = nn.Linear(cfg.hidden_dim, num_channels * num_features)

    def init_states(self, batch_size: int, device: Optional[torch.device] = None) -> List[torch.Tensor]:
        """[h, c] of the LSTM at the start of a stream: (num_layers, N, hidden_dim) zeros each."""
        shape = (self.lstm.num_layers, batch_size, self.lstm.hidden_size)
        return [torch.zeros(shape, device=device), torch.zeros(shape, device=device)]

    def forward(
        self, x: torch.Tensor, states: Optional[List[torch.Tensor]] = None
    ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """(masks (N, C, T, F), LSTM state after the last frame); states: None starts a stream."""
        n, t, f = x.shape
        h, state = self.lstm(self.norm(x), None if states is None else tuple(states))
        masks = torch.sigmoid(self.out(h)).view(n, t, self.num_channels, f).transpose(1, 2)
        return masks, list(state)


class Surt(nn.Module):
    def __init__(self, cfg: SurtConfig, vocab_size: int, blank_id: int = 0):
        super().__init__()
        self.cfg = cfg
        self.num_channels = cfg.num_channels
        self.asr = Transducer(cfg.transducer, vocab_size, blank_id)
        self.masker = LstmMasker(cfg.transducer.encoder.num_features, cfg.num_channels, cfg.masker)

    def channels_on_batch(self, x: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """x (N, T, F), masks (N, C, T, F) -> the masked copies as one batch (C * N, T, F), channel-major."""
        return (x.unsqueeze(1) * masks).transpose(0, 1).reshape(-1, *x.shape[1:])

    def forward_encoder(
        self, x: torch.Tensor, x_lens: torch.Tensor, chunk_size: Optional[int] = None
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(encoder_out (C * N, T', D), lengths (C * N,), masks (N, C, T, F)); chunk_size as the
        encoder's (the causal mode's chunk in subsampled frames)."""
        masks, _ = self.masker(x)
        kwargs = {} if chunk_size is None else {"chunk_size": chunk_size}
        encoder_out, lens = self.asr.encoder(self.channels_on_batch(x, masks), x_lens.repeat(self.num_channels), **kwargs)
        return encoder_out, lens, masks

    def forward(
        self, x: torch.Tensor, x_lens: torch.Tensor, y: torch.Tensor, y_lens: torch.Tensor,
        eos_ref_frames: Optional[torch.Tensor] = None, source_targets: Optional[torch.Tensor] = None,
    ) -> Dict[str, torch.Tensor]:
        """{"loss": the weighted sum, "rnnt" and "ctc": (C,) summed losses per channel, "heat" (with
        source_targets), "frames"}.

        x: (N, T, F) mixture features; y: (C, N, U) token ids of each channel's HEAT reference,
        padded with -1; y_lens: (C, N) (channel_targets builds both); eos_ref_frames: (C, N) the
        encoder frame where each channel's last reference word ends, for the <eos> latency penalty
        of transducer.eos_penalty on each channel (None: no penalty); source_targets: (N, C, T, F)
        the HEAT mask loss's targets (data/surt_batch.py; None: no mask loss).
        """
        c, n = self.num_channels, x.shape[0]
        if y.shape[:2] != (c, n) or y_lens.shape != (c, n):
            raise InputError(f"targets for {tuple(y.shape[:2])} (channel, mixture) pairs, lengths {tuple(y_lens.shape)}; "
                             f"the model has {c} channels and the batch {n} mixtures")
        if eos_ref_frames is not None and eos_ref_frames.shape != (c, n):
            raise InputError(f"<eos> reference frames for {tuple(eos_ref_frames.shape)} (channel, mixture) pairs, "
                             f"not {(c, n)}")
        encoder_out, lens, masks = self.forward_encoder(x, x_lens)
        rnnt, ctc = [], []
        for k in range(c):
            part = slice(k * n, (k + 1) * n)
            eos = None if eos_ref_frames is None else eos_ref_frames[k]
            rnnt.append(self.asr.forward_transducer(encoder_out[part], lens[part], y[k], y_lens[k], eos)["rnnt"])
            if self.cfg.ctc_loss_scale > 0:
                ctc.append(self.asr.forward_ctc(encoder_out[part], lens[part], y[k], y_lens[k]))
        out = {"rnnt": torch.stack(rnnt), "frames": lens.sum()}
        loss = self.cfg.rnnt_loss_scale * out["rnnt"].sum()
        if ctc:
            out["ctc"] = torch.stack(ctc)
            loss = loss + self.cfg.ctc_loss_scale * out["ctc"].sum()
        if source_targets is not None:
            out["heat"] = heat_mask_loss(x.unsqueeze(1) * masks, source_targets.to(x.device), x_lens)
            loss = loss + self.cfg.heat_loss_scale * out["heat"]
        out["loss"] = loss
        return out

    def init_states(self, batch_size: int, device: Optional[torch.device] = None) -> List[torch.Tensor]:
        """The caches at the start of N streams: the masker's [h, c] (streams on dim 1), then the
        encoder's for its C * N channel streams (streams on dim 2, channel-major)."""
        return self.masker.init_states(batch_size, device) + self.asr.encoder.init_states(self.num_channels * batch_size, device)

    def streaming_forward(
        self, x: torch.Tensor, states: List[torch.Tensor], processed_frames: torch.Tensor,
        x_lens: Optional[torch.Tensor] = None,
    ) -> Tuple[torch.Tensor, torch.Tensor, List[torch.Tensor]]:
        """One chunk of N streams -> encoder_out (C * N, chunk, D), valid frames (C * N,), new states.

        x: (N, chunk_frames + LOOKAHEAD_FRAMES, F), as ConformerEncoder.streaming_forward's; the
        masker's state moves over the chunk's frames only, the look-ahead frames being masked from
        it without keeping what they change (the next window reads them again). The frames equal
        forward_encoder(chunk_size=chunk_frames // 4) on the whole mixture.
        """
        chunk_frames = x.shape[1] - LOOKAHEAD_FRAMES
        self.asr.encoder.streaming_chunk_size(chunk_frames)  # a causal encoder and a whole chunk, or one line
        chunk_masks, masker_states = self.masker(x[:, :chunk_frames], states[:2])
        lookahead_masks, _ = self.masker(x[:, chunk_frames:], masker_states)
        masks = torch.cat([chunk_masks, lookahead_masks], dim=2)
        c = self.num_channels
        encoder_out, lens, encoder_states = self.asr.encoder.streaming_forward(
            self.channels_on_batch(x, masks), states[2:], processed_frames.repeat(c),
            None if x_lens is None else x_lens.repeat(c),
        )
        return encoder_out, lens, masker_states + encoder_states

    def load_single_talker(self, state_dict: Dict[str, torch.Tensor], source: str = "the source model") -> None:
        """Start from a trained single-talker Transducer's state dict (encoder, decoder, joiner, CTC
        head), as icefall's SURT starts from a single-talker model; the masker keeps its init.
        A source of another vocabulary or shape is one line."""
        own = self.asr.state_dict()
        key = "joiner.output_linear.weight"
        if key in state_dict and state_dict[key].shape[0] != own[key].shape[0]:
            raise InputError(f"{source} has a vocabulary of {state_dict[key].shape[0]} tokens, "
                             f"this SURT model {own[key].shape[0]}")
        missing = sorted(set(own) - set(state_dict))
        if missing:
            raise InputError(f"{source} has no '{missing[0]}' ({len(missing)} parameters missing): not a transducer of this shape")
        for name, value in own.items():
            if state_dict[name].shape != value.shape:
                raise InputError(f"{source}: '{name}' is {tuple(state_dict[name].shape)}, this model's {tuple(value.shape)}")
        self.asr.load_state_dict({name: state_dict[name] for name in own})


def channel_targets(
    channel_texts: Sequence[Sequence[Sequence[str]]], encode: Callable[[str], List[int]], num_channels: int
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per mixture, per channel, the texts HEAT gave it (ChannelAssignment.texts()) -> token ids
    (C, N, U) padded with -1 and lengths (C, N). Each text is encoded alone and the ids joined, so
    that with Tokenizer.encode every utterance on a channel ends with its own <eos> (SURT-EP's
    endpoints); an empty channel has no tokens. A mixture with another number of channels is one line."""
    for i, channels in enumerate(channel_texts):
        if len(channels) != num_channels:
            raise InputError(f"mixture {i} has {len(channels)} channel references, the model {num_channels} channels")
    ids = [[[t for text in texts for t in encode(text)] for texts in channels] for channels in channel_texts]
    n, u = len(ids), max((len(t) for channels in ids for t in channels), default=0)
    y = torch.full((num_channels, n, u), -1, dtype=torch.int64)
    y_lens = torch.zeros(num_channels, n, dtype=torch.int64)
    for i, channels in enumerate(ids):
        for k, tokens in enumerate(channels):
            y[k, i, : len(tokens)] = torch.tensor(tokens, dtype=torch.int64)
            y_lens[k, i] = len(tokens)
    return y, y_lens
