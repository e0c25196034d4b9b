"""The encoder with its CTC head exports as sherpa-onnx's CTC model (`from_zipformer_ctc`): the
log-probabilities equal PyTorch's, and sherpa-onnx's greedy CTC decoding of real audio gives the
words of our ctc_greedy_search; a model without a CTC head is refused in one line."""
import pytest
import torch

from icefall_ext.decoding.ctc_greedy_search import ctc_greedy_search
from icefall_ext.decoding.sherpa_onnx import ctc_recognizer
from icefall_ext.export.onnx_ctc import check_ctc_export, export_ctc
from icefall_ext.features.kaldi_native_fbank import KnfFbankConfig, compute_knf_fbank
from icefall_ext.models.conformer import ConformerConfig
from recipe_common.errors import InputError

ENCODER = ConformerConfig(d_model=32, num_layers=2, num_heads=4, feedforward_dim=64, dropout=0.0)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, toy_transducer):
    out = tmp_path_factory.mktemp("onnx_ctc")
    model = toy_transducer(ENCODER, out, ctc=True)
    return model, export_ctc(model, out / "ctc.onnx"), out


def test_ctc_export_equals_pytorch(exported):
    model, path, _ = exported
    assert check_ctc_export(model, path) < 1e-4


def test_sherpa_onnx_ctc_decodes_like_our_ctc_greedy_search(exported, fsdd_subset):
    from lhotse import Recording

    model, _, out = exported
    rec = ctc_recognizer(out)
    for name in ["7_jackson_3", "0_george_1", "4_yweweler_2"]:
        audio = Recording.from_file(fsdd_subset / f"{name}.flac").resample(16000).load_audio()[0]
        stream = rec.create_stream()
        stream.accept_waveform(16000, audio)
        rec.decode_stream(stream)
        feats = torch.from_numpy(compute_knf_fbank(audio, 16000, KnfFbankConfig())).unsqueeze(0)
        enc, lens = model.forward_encoder(feats, torch.tensor([feats.shape[1]]))
        ours = " ".join(f"W{i - 2}" for i in ctc_greedy_search(model, enc, lens)[0])
        assert ours and stream.result.text.strip() == ours


def test_a_model_without_a_ctc_head_is_refused(tmp_path, toy_transducer):
    model = toy_transducer(ENCODER, tmp_path)
    with pytest.raises(ValueError, match="no CTC head"):
        export_ctc(model, tmp_path / "ctc.onnx")
    with pytest.raises(InputError, match="needs a model with a CTC head"):
        ctc_greedy_search(model, torch.zeros(1, 3, 32), torch.tensor([3]))
