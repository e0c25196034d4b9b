"""SURT's streaming greedy search gives, per channel, the tokens and frames of the offline greedy
search on the causal forward."""
import pytest
import torch

from icefall_ext.decoding.greedy_search import greedy_search_with_frames
from icefall_ext.decoding.surt_streaming import surt_streaming_greedy_search
from tests.icefall_ext.models.surt_toy import F, surt_model


@pytest.mark.parametrize("chunk", [1, 2, 4])
def test_streaming_greedy_equals_offline_greedy_per_channel(chunk):
    model = surt_model(chunk=chunk, seed=chunk)
    torch.nn.init.normal_(model.asr.joiner.output_linear.bias, std=2.0)  # a toy model that emits tokens
    x_lens = torch.tensor([97, 64, 30])
    x = torch.randn(3, 97, F) * 3
    with torch.no_grad():
        encoder_out, lens, _ = model.forward_encoder(x, x_lens, chunk_size=chunk)
    offline = greedy_search_with_frames(model.asr, encoder_out, lens)
    streamed = surt_streaming_greedy_search(model, x, x_lens, 4 * chunk)
    assert len(streamed) == 3 and all(len(channels) == 2 for channels in streamed)
    assert sum(len(tokens) for channels in streamed for tokens, _ in channels) > 0
    for i in range(3):
        for k in range(2):
            assert streamed[i][k] == offline[k * 3 + i], (i, k)
