"""sherpa-onnx's rule endpointer as the baseline: with a streaming model that emits only blanks,
rule 1 fires once its trailing silence has been decoded (endpoint.cc counts 4 feature frames of
10 ms per blank encoder frame), later for a longer rule, and not at all on audio shorter than the
rule; the appended silence has its length and level; bad rules are one line."""
import numpy as np
import pytest
import torch

from icefall_ext.decoding.endpoint_audio import with_trailing_silence
from icefall_ext.decoding.rule_endpoint import EndpointRules, endpoint_with_rules
from icefall_ext.export.onnx_streaming import export_streaming_transducer
from icefall_ext.models.conformer import ConformerConfig

CHUNK_FRAMES = 16  # 160 ms


@pytest.fixture(scope="module")
def blank_model_dir(tmp_path_factory, toy_transducer):
    out = tmp_path_factory.mktemp("rule_endpoint")
    model = toy_transducer(ConformerConfig(d_model=32, num_layers=1, num_heads=4, feedforward_dim=64, subsampling_channels=8,
                                           cnn_module_kernel=7, dropout=0.0, causal=True, chunk_sizes=[4],
                                           left_context_frames=8), out)
    with torch.no_grad():
        model.joiner.output_linear.bias[0] = 100.0  # blank on every frame
    return export_streaming_transducer(model, out, CHUNK_FRAMES), out


def recognizer(paths, out, rules):
    import sherpa_onnx

    return sherpa_onnx.OnlineRecognizer.from_transducer(
        tokens=str(out / "tokens.txt"), encoder=str(paths["encoder"]), decoder=str(paths["decoder"]),
        joiner=str(paths["joiner"]), num_threads=1, **rules.recognizer_options())


@pytest.mark.parametrize("rule1", [0.8, 1.6])
def test_rule1_fires_once_its_trailing_silence_is_decoded(blank_model_dir, rule1):
    paths, out = blank_model_dir
    audio = np.random.default_rng(0).standard_normal(16000 * 3).astype(np.float32) * 0.1
    text, endpoint = endpoint_with_rules(recognizer(paths, out, EndpointRules(rule1_min_trailing_silence=rule1)),
                                         audio, 16000)
    # decoded in chunks of 160 ms, each needing 3 frames of look-ahead and the 25 ms window
    assert text == "" and rule1 < endpoint <= rule1 + 0.16 + 0.04 + 0.03 + 0.025 + 0.04
    short = audio[: int(16000 * (rule1 - 0.2))]
    assert endpoint_with_rules(recognizer(paths, out, EndpointRules(rule1_min_trailing_silence=rule1)), short,
                               16000)[1] is None


def test_trailing_silence_has_its_length_and_level():
    audio = np.ones(1600, np.float32)
    padded = with_trailing_silence(audio, 16000, 0.5)
    tail = padded[1600:]
    assert padded.dtype == np.float32 and len(tail) == 8000 and np.array_equal(padded[:1600], audio)
    assert 20 * np.log10(np.sqrt(np.mean(tail.astype(np.float64) ** 2))) == pytest.approx(-70.0, abs=0.3)
    with pytest.raises(ValueError, match="must be >= 0 seconds"):
        with_trailing_silence(audio, 16000, -1.0)


def test_bad_rules_are_one_line():
    with pytest.raises(ValueError, match="rule2_min_trailing_silence must be positive, not 0"):
        EndpointRules(rule2_min_trailing_silence=0)
    assert EndpointRules().recognizer_options() == {
        "enable_endpoint_detection": True, "rule1_min_trailing_silence": 2.4, "rule2_min_trailing_silence": 1.2,
        "rule3_min_utterance_length": 20.0}
