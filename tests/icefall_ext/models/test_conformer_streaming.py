"""The causal conformer run chunk by chunk with explicit caches gives the frames of its chunked
full-utterance forward."""
import pytest
import torch

from icefall_ext.models.conformer import ConformerConfig, ConformerEncoder
from icefall_ext.models.subsampling import LOOKAHEAD_FRAMES, subsampled_lengths


def causal_encoder(chunk: int, left: int, kernel: int = 7, causal: bool = True) -> ConformerEncoder:
    torch.manual_seed(chunk * 100 + left)
    cfg = ConformerConfig(
        num_features=20, subsampling_channels=8, d_model=32, num_layers=2, num_heads=4, feedforward_dim=64,
        cnn_module_kernel=kernel, dropout=0.0, causal=causal, chunk_sizes=[chunk], left_context_frames=left,
    )
    enc = ConformerEncoder(cfg).eval()
    enc.set_feature_stats(torch.randn(20), torch.rand(20) + 0.5)
    return enc


@torch.no_grad()
def stream(enc: ConformerEncoder, x: torch.Tensor, x_lens: torch.Tensor, chunk_frames: int) -> torch.Tensor:
    """Chunks of every utterance fed together; the valid frames of each, padded (N, T', D)."""
    n = x.shape[0]
    x = torch.nn.functional.pad(x, (0, 0, 0, chunk_frames + LOOKAHEAD_FRAMES))  # a last window always fits
    states, outs = enc.init_states(n), []
    for start in range(0, int(x_lens.max()), chunk_frames):
        window = x[:, start : start + chunk_frames + LOOKAHEAD_FRAMES]
        valid = (x_lens - start).clamp(min=0, max=window.shape[1])
        out, lens, states = enc.streaming_forward(window, states, torch.full((n,), start), valid)
        outs.append(out.masked_fill(torch.arange(out.shape[1]).unsqueeze(1) >= lens.view(n, 1, 1), 0.0))
    return torch.cat(outs, dim=1)


@pytest.mark.parametrize("chunk,left,kernel", [(4, 8, 7), (2, 3, 5), (8, 0, 3), (3, 16, 15), (1, 4, 7)])
def test_streaming_equals_the_chunked_forward(chunk, left, kernel):
    """Random inputs of lengths that are no multiple of the chunk; left contexts shorter and
    longer than a chunk, convolution caches spanning several chunks (kernel 15, chunk 3)."""
    enc = causal_encoder(chunk, left, kernel)
    x_lens = torch.tensor([157, 90, 7])
    x = torch.randn(3, 157, 20)
    full, lens = enc(x, x_lens, chunk_size=chunk)
    streamed = stream(enc, x, x_lens, 4 * chunk)
    assert chunk == 1 or any(n % chunk for n in lens.tolist()), "some utterance should end inside a chunk"
    for i, n in enumerate(lens.tolist()):
        assert torch.allclose(streamed[i, :n], full[i, :n], atol=1e-5), (i, (streamed[i, :n] - full[i, :n]).abs().max())
        assert not streamed[i, n:].any()


def test_states_have_sherpa_onnx_conformer_layout():
    enc = causal_encoder(4, 8, kernel=7)
    attn, conv = enc.init_states(3)
    assert attn.shape == (2, 8, 3, 32) and conv.shape == (2, 6, 3, 32)
    _, lens, (new_attn, new_conv) = enc.streaming_forward(torch.randn(3, 16 + LOOKAHEAD_FRAMES, 20), [attn, conv],
                                                          torch.zeros(3, dtype=torch.int64))
    assert lens.tolist() == [4, 4, 4] and new_attn.shape == attn.shape and new_conv.shape == conv.shape


def test_a_stream_needs_a_causal_model_and_whole_subsampled_frames():
    with pytest.raises(ValueError, match="streaming needs a causal encoder"):
        causal_encoder(4, 8, causal=False).streaming_chunk_size(16)
    enc = causal_encoder(4, 8)
    with pytest.raises(ValueError, match="chunk of 30 feature frames is not a positive multiple of the subsampling factor 4"):
        enc.streaming_forward(torch.randn(1, 30 + LOOKAHEAD_FRAMES, 20), enc.init_states(1), torch.zeros(1, dtype=torch.int64))
    assert enc.streaming_chunk_size(32) == 8 and int(subsampled_lengths(torch.tensor(32 + LOOKAHEAD_FRAMES))) == 8
