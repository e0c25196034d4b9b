"""Conformer encoder with 4x subsampling, full-context or causal-chunked.

Attention uses rotary position embeddings, which are relative and therefore the same
whether a frame is seen in a whole utterance or a stream of chunks. In the causal mode a
frame attends to its own chunk and a bounded number of frames to the left, and the
convolution module only looks left: this is the masking icefall's streaming models use in
training ("dynamic chunk training": the chunk size is drawn per batch from a list).

`streaming_forward` runs such a model one chunk at a time with explicit caches and gives the
very frames of `forward(chunk_size=...)`: nothing in the chunked mode sees past its chunk but
the subsampling's look-ahead of LOOKAHEAD_FRAMES input frames, which a streaming window
includes and the next window reads again (sherpa-onnx's T = decode_chunk_len + pad_length).
"""
import random
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import torch
from torch import nn

from icefall_ext.models.encoder import register_encoder
from icefall_ext.models.subsampling import (
    LOOKAHEAD_FRAMES,
    SUBSAMPLING_FACTOR,
    Conv2dSubsampling,
    subsampled_lengths,
)


@dataclass
class ConformerConfig:
    num_features: int = 80
    subsampling_channels: int = 64  # channels of the convolutional front end, whose cost grows with them
    d_model: int = 144
    num_layers: int = 6
    num_heads: int = 4
    feedforward_dim: int = 576
    cnn_module_kernel: int = 15
    dropout: float = 0.1  # on feed-forward hidden units and on every module's output
    attention_dropout: float = 0.1  # on attention weights
    # One dropout mask per utterance and channel, shared by all frames (icefall zipformer's
    # dropout_shared_dim): on CPU, drawing a mask per element is a large share of a training step.
    time_shared_dropout: bool = False
    causal: bool = False
    chunk_sizes: List[int] = field(default_factory=lambda: [8, 16, 32])  # in subsampled frames
    left_context_frames: int = 64  # in subsampled frames

    def __post_init__(self):
        for name in ("num_features", "subsampling_channels", "d_model", "num_layers", "num_heads", "feedforward_dim"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        for name in ("dropout", "attention_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), not {getattr(self, name)}")


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


class RotaryEmbedding(nn.Module):
    def __init__(self, head_dim: int, base: float = 10000.0):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, seq_len: int, device: torch.device, dtype: torch.dtype) -> Tuple[torch.Tensor, torch.Tensor]:
        t = torch.arange(seq_len, device=device, dtype=torch.float32)
        freqs = torch.outer(t, self.inv_freq)
        emb = torch.cat([freqs, freqs], dim=-1)
        return emb.cos().to(dtype), emb.sin().to(dtype)


class RotarySelfAttention(nn.Module):
    def __init__(self, d_model: int, num_heads: int, dropout: float):
        super().__init__()
        if d_model % num_heads or (d_model // num_heads) % 2:
            raise ValueError(f"d_model {d_model} must split into {num_heads} heads of even size")
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.rotary = RotaryEmbedding(self.head_dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor, left: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x: (N, T, D); allowed: (N or 1, T, L + T) bool, True where query may attend to key.

        left: (N, L, D) inputs of the L frames before x (streaming: the cached left context),
        keys and values only. Positions count from the first of them: rotary embeddings are
        relative, so scores equal those of the whole utterance, and stay exact however long a stream runs.
        """
        n, t, d = x.shape
        if left is not None:
            x = torch.cat([left, x], dim=1)
        s = x.shape[1]
        q, k, v = self.qkv(x).view(n, s, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4).unbind(0)
        cos, sin = self.rotary(s, x.device, x.dtype)
        q = (q * cos + _rotate_half(q) * sin)[:, :, s - t :]
        k = k * cos + _rotate_half(k) * sin
        scores = torch.matmul(q, k.transpose(-2, -1)) / (self.head_dim**0.5)
        scores = scores.masked_fill(~allowed.unsqueeze(1), -1e4)
        attn = self.dropout(torch.softmax(scores, dim=-1))
        y = torch.matmul(attn, v).transpose(1, 2).reshape(n, t, d)
        return self.out(y)


class ConvolutionModule(nn.Module):
    def __init__(self, d_model: int, kernel_size: int, causal: bool):
        super().__init__()
        self.causal = causal
        self.kernel_size = kernel_size
        self.pointwise1 = nn.Conv1d(d_model, 2 * d_model, 1)
        self.depthwise = nn.Conv1d(d_model, d_model, kernel_size, groups=d_model)
        self.norm = nn.LayerNorm(d_model)
        self.pointwise2 = nn.Conv1d(d_model, d_model, 1)

    def forward(
        self, x: torch.Tensor, pad_mask: torch.Tensor, cache: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """x: (N, T, D); pad_mask: (N, T) True at padding frames, zeroed before the depthwise conv.

        cache (causal streaming): (N, D, kernel_size - 1) depthwise inputs of the frames before x,
        in place of the zero padding on the left; returned updated, else None.
        """
        x = nn.functional.glu(self.pointwise1(x.transpose(1, 2)), dim=1)
        x = x.masked_fill(pad_mask.unsqueeze(1), 0.0)
        if cache is None:
            left = self.kernel_size - 1 if self.causal else (self.kernel_size - 1) // 2
            right = 0 if self.causal else self.kernel_size - 1 - left
            x = nn.functional.pad(x, (left, right))
        else:
            x = torch.cat([cache, x], dim=2)
            cache = x[:, :, x.shape[2] - cache.shape[2] :]
        x = self.depthwise(x)
        x = nn.functional.silu(self.norm(x.transpose(1, 2)))
        return self.pointwise2(x.transpose(1, 2)).transpose(1, 2), cache


class TimeSharedDropout(nn.Module):
    """Dropout of (N, T, C) activations with one mask per utterance and channel for all T frames."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = torch.empty(x.shape[0], 1, x.shape[2], dtype=x.dtype, device=x.device).bernoulli_(keep)
        return x * (mask / keep)


def make_dropout(cfg: ConformerConfig) -> nn.Module:
    return TimeSharedDropout(cfg.dropout) if cfg.time_shared_dropout else nn.Dropout(cfg.dropout)


class FeedForward(nn.Sequential):
    def __init__(self, d_model: int, hidden: int, dropout: nn.Module):
        super().__init__(nn.Linear(d_model, hidden), nn.SiLU(), dropout, nn.Linear(hidden, d_model))


class ConformerLayer(nn.Module):
    def __init__(self, cfg: ConformerConfig):
        super().__init__()
        d = cfg.d_model
        self.ff1_norm, self.ff1 = nn.LayerNorm(d), FeedForward(d, cfg.feedforward_dim, make_dropout(cfg))
        self.attn_norm, self.attn = nn.LayerNorm(d), RotarySelfAttention(d, cfg.num_heads, cfg.attention_dropout)
        self.conv_norm, self.conv = nn.LayerNorm(d), ConvolutionModule(d, cfg.cnn_module_kernel, cfg.causal)
        self.ff2_norm, self.ff2 = nn.LayerNorm(d), FeedForward(d, cfg.feedforward_dim, make_dropout(cfg))
        self.final_norm = nn.LayerNorm(d)
        self.dropout = make_dropout(cfg)

    def forward(
        self, x: torch.Tensor, allowed: torch.Tensor, pad_mask: torch.Tensor,
        attn_cache: Optional[torch.Tensor] = None, conv_cache: Optional[torch.Tensor] = None,
    ) -> Tuple[torch.Tensor, Optional[torch.Tensor], Optional[torch.Tensor]]:
        """(output, attention cache, convolution cache); the caches are None unless given.

        Streaming: x is one chunk; attn_cache (N, L, D) holds the attention inputs (after
        attn_norm) of the L frames of left context, from which keys and values are computed
        again, conv_cache (N, D, kernel_size - 1) the convolution's (ConvolutionModule).
        """
        x = x + 0.5 * self.dropout(self.ff1(self.ff1_norm(x)))
        a = self.attn_norm(x)
        x = x + self.dropout(self.attn(a, allowed, attn_cache))
        if attn_cache is not None:
            attn_cache = torch.cat([attn_cache, a], dim=1)[:, a.shape[1] :]
        conv, conv_cache = self.conv(self.conv_norm(x), pad_mask, conv_cache)
        x = x + self.dropout(conv)
        x = x + 0.5 * self.dropout(self.ff2(self.ff2_norm(x)))
        return self.final_norm(x), attn_cache, conv_cache


def chunk_attention_mask(t: int, chunk_size: int, left_context: int, device: torch.device) -> torch.Tensor:
    """(T, T) bool: query i sees keys in its own chunk and up to `left_context` frames before it."""
    idx = torch.arange(t, device=device)
    chunk = idx // chunk_size
    q_chunk, k_chunk = chunk.unsqueeze(1), chunk.unsqueeze(0)
    chunk_start = (q_chunk * chunk_size)
    return (k_chunk <= q_chunk) & (idx.unsqueeze(0) >= chunk_start - left_context)


@register_encoder("conformer", ConformerConfig)
class ConformerEncoder(nn.Module):
    def __init__(self, cfg: ConformerConfig):
        super().__init__()
        self.cfg = cfg
        # Global mean/variance normalisation of the input (ESPnet's GlobalMVN): set once from
        # training statistics, saved with the model, and part of the exported graph.
        self.register_buffer("feature_mean", torch.zeros(cfg.num_features))
        self.register_buffer("feature_inv_std", torch.ones(cfg.num_features))
        self.embed = Conv2dSubsampling(cfg.num_features, cfg.d_model, cfg.subsampling_channels)
        self.layers = nn.ModuleList(ConformerLayer(cfg) for _ in range(cfg.num_layers))

    def set_feature_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        self.feature_mean.copy_(mean)
        self.feature_inv_std.copy_(1.0 / std.clamp(min=1e-5))

    @property
    def output_dim(self) -> int:
        return self.cfg.d_model

    def forward(
        self, x: torch.Tensor, x_lens: torch.Tensor, chunk_size: Optional[int] = None
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """x: (N, T, F) fbank -> (N, T', d_model), lengths (N,).

        chunk_size: subsampled frames per chunk in the causal mode; by default drawn from
        cfg.chunk_sizes while training and the first of them otherwise. Ignored when
        the encoder is not causal.
        """
        x, lens = self.embed((x - self.feature_mean) * self.feature_inv_std, x_lens)
        t = x.shape[1]
        pad_mask = torch.arange(t, device=x.device).unsqueeze(0) >= lens.unsqueeze(1)  # (N, T)
        allowed = ~pad_mask.unsqueeze(1)  # (N, 1, T): keys that exist
        if self.cfg.causal:
            if chunk_size is None:
                chunk_size = random.choice(self.cfg.chunk_sizes) if self.training else self.cfg.chunk_sizes[0]
            allowed = allowed & chunk_attention_mask(t, chunk_size, self.cfg.left_context_frames, x.device)
        for layer in self.layers:
            x, _, _ = layer(x, allowed, pad_mask)
        return x, lens

    def streaming_chunk_size(self, chunk_frames: int) -> int:
        """Subsampled frames in a streaming chunk of `chunk_frames` feature frames (sherpa-onnx's
        decode_chunk_len); ValueError where this encoder cannot stream in such chunks."""
        if not self.cfg.causal:
            raise ValueError("streaming needs a causal encoder (model.encoder.causal: true); this one sees the whole utterance")
        if chunk_frames <= 0 or chunk_frames % SUBSAMPLING_FACTOR:
            raise ValueError(
                f"a streaming chunk of {chunk_frames} feature frames is not a positive multiple of the "
                f"subsampling factor {SUBSAMPLING_FACTOR}"
            )
        return chunk_frames // SUBSAMPLING_FACTOR

    def init_states(self, batch_size: int, device: Optional[torch.device] = None) -> List[torch.Tensor]:
        """The caches at the start of a stream, in sherpa-onnx's conformer layout (streams stack on dim 2):
        attention inputs (num_layers, left_context_frames, N, d_model) and convolution inputs
        (num_layers, cnn_module_kernel - 1, N, d_model). Zeros: the convolution's are its causal left
        padding, the attention's are masked until the stream has produced that many frames."""
        cfg = self.cfg
        return [
            torch.zeros(cfg.num_layers, cfg.left_context_frames, batch_size, cfg.d_model, device=device),
            torch.zeros(cfg.num_layers, cfg.cnn_module_kernel - 1, batch_size, cfg.d_model, device=device),
        ]

    def streaming_forward(
        self, x: torch.Tensor, states: List[torch.Tensor], processed_frames: torch.Tensor,
        x_lens: Optional[torch.Tensor] = None,
    ) -> Tuple[torch.Tensor, torch.Tensor, List[torch.Tensor]]:
        """One chunk of each stream -> (N, chunk_frames // 4, d_model), valid frames (N,), new states.

        x: (N, chunk_frames + LOOKAHEAD_FRAMES, F), the chunk's features and the first frames of the
        next chunk; processed_frames: (N,) int64, feature frames of the stream before this chunk (a
        multiple of chunk_frames; sherpa-onnx feeds feature frames, not subsampled ones, whatever
        icefall's docstring says); x_lens: valid frames of x where the utterance ends inside it.
        The frames equal those of forward(chunk_size=chunk_frames // 4) on the whole utterance.
        """
        chunk = self.streaming_chunk_size(x.shape[1] - LOOKAHEAD_FRAMES)
        x = self.embed.subsample((x - self.feature_mean) * self.feature_inv_std)  # (N, chunk, D)
        n = x.shape[0]
        if x_lens is None:
            lens = torch.full((n,), chunk, dtype=torch.int64, device=x.device)
        else:
            lens = subsampled_lengths(x_lens).clamp(max=chunk)
        attn_cache, conv_cache = states
        left = attn_cache.shape[1]
        pad_mask = torch.arange(chunk, device=x.device).unsqueeze(0) >= lens.unsqueeze(1)  # (N, chunk)
        seen = (processed_frames // SUBSAMPLING_FACTOR).clamp(max=left)  # cached frames that exist
        cached = torch.arange(left, device=x.device).unsqueeze(0) >= left - seen.unsqueeze(1)  # (N, left)
        allowed = torch.cat([cached, ~pad_mask], dim=1).unsqueeze(1)  # (N, 1, left + chunk)
        new_attn, new_conv = [], []
        for i, layer in enumerate(self.layers):
            x, a, c = layer(x, allowed, pad_mask, attn_cache[i].transpose(0, 1), conv_cache[i].permute(1, 2, 0))
            new_attn.append(a.transpose(0, 1))
            new_conv.append(c.permute(2, 0, 1))
        return x, lens, [torch.stack(new_attn), torch.stack(new_conv)]
