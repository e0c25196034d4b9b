"""The exported model equals PyTorch and decodes in sherpa-onnx exactly as our own
pipeline does (kaldi-native-fbank features + greedy search) on real audio."""
import numpy as np
import pytest
import torch

from icefall_ext.decoding.beam_search import modified_beam_search
from icefall_ext.decoding.greedy_search import greedy_search_batch
from icefall_ext.export.onnx_transducer import check_export, export_transducer
from icefall_ext.features.kaldi_native_fbank import KnfFbankConfig, compute_knf_fbank
from icefall_ext.models.conformer import ConformerConfig


@pytest.fixture(scope="module")
def exported(tmp_path_factory, toy_transducer):
    out = tmp_path_factory.mktemp("onnx")
    model = toy_transducer(ConformerConfig(d_model=32, num_layers=2, num_heads=4, feedforward_dim=64, dropout=0.0), out)
    paths = export_transducer(model, out)
    return model, paths, out


def test_onnx_outputs_equal_pytorch(exported):
    model, paths, _ = exported
    assert check_export(model, paths) < 1e-4


def test_decoder_metadata_for_sherpa(exported):
    import onnx

    model, paths, _ = exported
    meta = {p.key: p.value for p in onnx.load(str(paths["decoder"])).metadata_props}
    assert meta["vocab_size"] == str(model.vocab_size) and meta["context_size"] == "2"


SEARCHES = {
    "greedy_search": greedy_search_batch,
    "modified_beam_search": lambda model, enc, lens: modified_beam_search(model, enc, lens, beam=4),
}


@pytest.mark.parametrize("method", sorted(SEARCHES))
def test_sherpa_onnx_decodes_like_pytorch(exported, fsdd_subset, method):
    """sherpa-onnx starts from the context (-1, blank) and ranks its final beam by
    log_prob / len(ys); our searches must do the same to give the same words."""
    import sherpa_onnx
    from lhotse import Recording

    model, paths, out = exported
    rec = sherpa_onnx.OfflineRecognizer.from_transducer(
        encoder=str(paths["encoder"]), decoder=str(paths["decoder"]), joiner=str(paths["joiner"]),
        tokens=str(out / "tokens.txt"), num_threads=1, decoding_method=method, max_active_paths=4,
    )
    for name in ["7_jackson_3", "0_george_1", "4_yweweler_2"]:
        audio = Recording.from_file(fsdd_subset / f"{name}.flac").resample(16000).load_audio()[0]
        audio = np.concatenate([audio, audio, audio])
        stream = rec.create_stream()
        stream.accept_waveform(16000, audio)
        rec.decode_stream(stream)
        feats = torch.from_numpy(compute_knf_fbank(audio, 16000, KnfFbankConfig())).unsqueeze(0)
        enc, lens = model.encoder(feats, torch.tensor([feats.shape[1]]))
        ours = " ".join(f"W{i - 2}" for i in SEARCHES[method](model, enc, lens)[0])
        assert ours, "the toy model should emit tokens"
        assert stream.result.text.strip() == ours


@pytest.mark.parametrize("method", sorted(SEARCHES))
def test_audio_of_60_ms_or_less_decodes_to_nothing(exported, method):
    """60 ms give 6 fbank frames, fewer than the subsampling's kernels need: onnxruntime used to
    fail in the encoder's second Conv ('Invalid input shape'), PyTorch with a kernel-size error.
    Both now see no valid frame and return an empty transcript; 80 ms still give one frame."""
    import sherpa_onnx

    model, paths, out = exported
    rec = sherpa_onnx.OfflineRecognizer.from_transducer(
        encoder=str(paths["encoder"]), decoder=str(paths["decoder"]), joiner=str(paths["joiner"]),
        tokens=str(out / "tokens.txt"), num_threads=1, decoding_method=method, max_active_paths=4,
    )
    rng = np.random.default_rng(0)
    for ms in [0, 5, 10, 30, 60]:
        audio = (0.01 * rng.standard_normal(16 * ms)).astype(np.float32)
        stream = rec.create_stream()
        stream.accept_waveform(16000, audio)
        rec.decode_stream(stream)
        assert stream.result.text == "", ms
        feats = torch.from_numpy(compute_knf_fbank(audio, 16000, KnfFbankConfig())).unsqueeze(0)
        enc, lens = model.encoder(feats, torch.tensor([feats.shape[1]]))
        assert lens.tolist() == [0] and SEARCHES[method](model, enc, lens) == [[]]
    feats = torch.from_numpy(compute_knf_fbank(np.zeros(16 * 80, np.float32), 16000, KnfFbankConfig())).unsqueeze(0)
    assert model.encoder(feats, torch.tensor([feats.shape[1]]))[1].tolist() == [1]
