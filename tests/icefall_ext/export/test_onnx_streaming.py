"""The streaming export equals the PyTorch streaming encoder chunk by chunk, and sherpa-onnx's
OnlineRecognizer decodes real audio with it exactly as our streaming searches do."""
import numpy as np
import onnx
import pytest
import torch

from icefall_ext.decoding.streaming import streaming_greedy_search, streaming_modified_beam_search
from icefall_ext.export.onnx_streaming import INPUTS, OUTPUTS, check_streaming_export, export_streaming_transducer
from icefall_ext.features.kaldi_native_fbank import KnfFbankConfig, compute_knf_fbank
from icefall_ext.models.conformer import ConformerConfig
from icefall_ext.models.subsampling import LOOKAHEAD_FRAMES

CHUNK_FRAMES = 16  # 4 encoder frames, 160 ms


@pytest.fixture(scope="module")
def exported(tmp_path_factory, toy_transducer):
    out = tmp_path_factory.mktemp("onnx_streaming")
    model = toy_transducer(ConformerConfig(d_model=32, num_layers=2, num_heads=4, feedforward_dim=64, subsampling_channels=8,
                                cnn_module_kernel=7, dropout=0.0, causal=True, chunk_sizes=[4], left_context_frames=8), out)
    paths = export_streaming_transducer(model, out, CHUNK_FRAMES)
    return model, paths, out


def test_streaming_encoder_equals_pytorch_chunk_by_chunk(exported):
    model, paths, _ = exported
    assert check_streaming_export(model, paths["encoder"], CHUNK_FRAMES) < 1e-5


def test_encoder_has_sherpa_onnx_conformer_contract(exported):
    _, paths, _ = exported
    graph = onnx.load(str(paths["encoder"]))
    meta = {p.key: p.value for p in graph.metadata_props}
    assert {k: meta[k] for k in ("model_type", "T", "decode_chunk_len", "left_context", "encoder_dim",
                                 "num_encoder_layers", "cnn_module_kernel", "pad_length")} == {
        "model_type": "conformer", "T": str(CHUNK_FRAMES + LOOKAHEAD_FRAMES), "decode_chunk_len": str(CHUNK_FRAMES),
        "left_context": "8", "encoder_dim": "32", "num_encoder_layers": "2", "cnn_module_kernel": "7", "pad_length": "3"}

    def shapes(values):
        return {v.name: [d.dim_value or d.dim_param for d in v.type.tensor_type.shape.dim] for v in values}

    assert list(shapes(graph.graph.input)) == INPUTS and list(shapes(graph.graph.output)) == OUTPUTS
    assert shapes(graph.graph.input) == {"x": ["N", 19, 80], "cached_attn": [2, 8, "N", 32],
                                         "cached_conv": [2, 6, "N", 32], "processed_lens": ["N"]}


SEARCHES = {
    "greedy_search": streaming_greedy_search,
    "modified_beam_search": lambda model, feats, lens, chunk: streaming_modified_beam_search(model, feats, lens, chunk, 4),
}


@pytest.mark.parametrize("method", sorted(SEARCHES))
def test_sherpa_onnx_online_decodes_like_pytorch_streaming(exported, fsdd_subset, method):
    """sherpa-onnx's loop (online-decode-files.py: 0.66 s of tail padding, decode while ready)
    encodes the chunks whose window of T frames lies before the last feature frame; our search
    is given the features of those chunks."""
    import sherpa_onnx
    from lhotse import Recording

    model, paths, out = exported
    rec = sherpa_onnx.OnlineRecognizer.from_transducer(
        tokens=str(out / "tokens.txt"), encoder=str(paths["encoder"]), decoder=str(paths["decoder"]),
        joiner=str(paths["joiner"]), num_threads=1, decoding_method=method, max_active_paths=4,
    )
    for name in ["7_jackson_3", "0_george_1"]:
        audio = Recording.from_file(fsdd_subset / f"{name}.flac").resample(16000).load_audio()[0]
        audio = np.concatenate([audio, audio, np.zeros(int(0.66 * 16000), np.float32)])
        stream = rec.create_stream()
        stream.accept_waveform(16000, audio)
        stream.input_finished()
        while rec.is_ready(stream):
            rec.decode_stream(stream)
        feats = torch.from_numpy(compute_knf_fbank(audio, 16000, KnfFbankConfig()))
        num_chunks = (feats.shape[0] - LOOKAHEAD_FRAMES - 1) // CHUNK_FRAMES  # IsReady: start + T < frames
        feats = feats[: num_chunks * CHUNK_FRAMES + LOOKAHEAD_FRAMES].unsqueeze(0)
        ours = " ".join(f"W{i - 2}" for i in SEARCHES[method](model, feats, torch.tensor([feats.shape[1]]), CHUNK_FRAMES)[0])
        assert ours, "the toy model should emit tokens"
        assert rec.get_result(stream) == ours
