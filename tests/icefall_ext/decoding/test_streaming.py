"""Streaming searches on a causal model decode as the offline searches on its chunked forward."""
import pytest
import torch

from icefall_ext.decoding.beam_search import modified_beam_search
from icefall_ext.decoding.greedy_search import greedy_search_batch
from icefall_ext.decoding.search import SearchOptions, decode_features, method_names
from icefall_ext.decoding.streaming import streaming_greedy_search, streaming_modified_beam_search
from icefall_ext.models.conformer import ConformerConfig
from icefall_ext.models.transducer import Transducer, TransducerConfig
from recipe_common.errors import InputError


def causal_model(chunk: int = 4, left: int = 6, causal: bool = True) -> Transducer:
    torch.manual_seed(0)
    cfg = TransducerConfig(
        encoder=ConformerConfig(num_features=16, subsampling_channels=8, d_model=16, num_layers=2, num_heads=2,
                                feedforward_dim=32, cnn_module_kernel=5, dropout=0.0, causal=causal,
                                chunk_sizes=[chunk], left_context_frames=left),
        decoder_dim=8, joiner_dim=8, ctc_loss_scale=0.0,
    )
    model = Transducer(cfg, vocab_size=6).eval()
    with torch.no_grad():  # sharpen the joiner and lower blank, so that decisions are not all blank
        model.joiner.output_linear.weight.mul_(6.0)
        model.joiner.output_linear.bias[0] -= 1.0
    return model


FEATS_LENS = torch.tensor([141, 93, 5])  # no multiple of any chunk; the last has no frame at all


@pytest.mark.parametrize("chunk", [1, 3, 4])
def test_streaming_greedy_equals_offline_greedy_on_the_chunked_forward(chunk):
    model = causal_model(chunk)
    feats = torch.randn(3, 141, 16)
    enc, lens = model.encoder(feats, FEATS_LENS, chunk_size=chunk)
    offline = greedy_search_batch(model, enc, lens)
    assert sum(map(len, offline)) > 5 and offline[2] == []
    assert streaming_greedy_search(model, feats, FEATS_LENS, 4 * chunk) == offline


@pytest.mark.parametrize("chunk", [2, 4])
def test_streaming_beam_search_equals_offline_beam_search(chunk):
    model = causal_model(chunk)
    feats = torch.randn(3, 141, 16)
    enc, lens = model.encoder(feats, FEATS_LENS, chunk_size=chunk)
    offline = modified_beam_search(model, enc, lens, beam=3)
    assert sum(map(len, offline)) > 5
    assert streaming_modified_beam_search(model, feats, FEATS_LENS, 4 * chunk, beam=3) == offline


def test_registered_streaming_methods_decode_at_the_models_chunk():
    model = causal_model(4)
    feats = torch.randn(3, 141, 16)
    assert {"streaming_greedy_search", "streaming_modified_beam_search"} <= set(method_names())
    assert "streaming_greedy_search" not in method_names(sherpa_onnx=True)  # the offline recogniser has none
    for streaming, offline in [("streaming_greedy_search", "greedy_search"),
                               ("streaming_modified_beam_search", "modified_beam_search")]:
        expected = decode_features(model, feats, FEATS_LENS, offline, SearchOptions(beam=3))
        assert decode_features(model, feats, FEATS_LENS, streaming, SearchOptions(beam=3)) == expected
    with pytest.raises(InputError, match="^a streaming chunk of 10 feature frames is not a positive multiple"):
        decode_features(model, feats, FEATS_LENS, "streaming_greedy_search", SearchOptions(chunk_frames=10))
    with pytest.raises(InputError, match="^streaming needs a causal encoder"):
        decode_features(causal_model(causal=False), feats, FEATS_LENS, "streaming_greedy_search", SearchOptions())
