"""The streaming stages' entry points (bin/decode_streaming, export_onnx_streaming,
sherpa_decode_streaming) on a tiny causal checkpoint: their files, PyTorch streaming equal to
sherpa-onnx streaming utterance by utterance, and bad input as one line with exit status 1."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml
from lhotse import CutSet, Recording, SupervisionSegment
from lhotse.cut import MonoCut

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.decoding.scoring import read_recogs
from icefall_ext.decoding.streaming_audio import stream_features, tail_padding
from icefall_ext.features.kaldi_native_fbank import KaldiNativeFbank
from icefall_ext.models.subsampling import LOOKAHEAD_FRAMES, subsampled_lengths
from icefall_ext.models.transducer import Transducer
from recipe_common.config import load_config

WORDS = "ZERO ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE".split()
ENCODER = {"d_model": 32, "num_layers": 1, "num_heads": 2, "feedforward_dim": 64, "subsampling_channels": 8,
           "cnn_module_kernel": 7, "dropout": 0.0, "chunk_sizes": [4], "left_context_frames": 8}


def run(module, *args):
    proc = subprocess.run([sys.executable, "-m", f"icefall_ext.bin.{module}", *map(str, args)],
                          capture_output=True, text=True)
    return proc.returncode, proc.stderr.strip().splitlines()


def write_model(tmp, tokenizer, causal: bool):
    """A config and a random epoch-1.pt of a one-layer transducer, biased against blank so that it emits."""
    conf = tmp / f"{'causal' if causal else 'full'}.yaml"
    conf.write_text(yaml.safe_dump({
        "model": {"encoder": {**ENCODER, "causal": causal}, "decoder_dim": 16, "joiner_dim": 16},
        "decode": {"avg": 1, "beam": 2}, "streaming": {"chunk_frames": [16, 32]}}))
    exp = tmp / f"exp_{conf.stem}"
    exp.mkdir()
    torch.manual_seed(0)
    model = Transducer(load_config(conf, AsrRecipeConfig).model, vocab_size=tokenizer.vocab_size,
                       blank_id=tokenizer.blank_id)
    with torch.no_grad():
        model.joiner.output_linear.bias[tokenizer.blank_id] -= 1.0
    torch.save({"model": model.state_dict(), "epoch": 1}, exp / "epoch-1.pt")
    return conf, exp


@pytest.fixture(scope="module")
def test_cuts(tmp_path_factory, fsdd_subset):
    """Four FSDD digits (8 kHz) as cuts with kaldi-native-fbank features at 16 kHz."""
    tmp = tmp_path_factory.mktemp("cuts")
    cuts = []
    for name in ["7_jackson_3", "0_george_1", "3_lucas_2", "9_yweweler_4"]:
        rec = Recording.from_file(fsdd_subset / f"{name}.flac", recording_id=name)
        sup = SupervisionSegment(name, name, 0.0, rec.duration, text=WORDS[int(name[0])])
        cuts.append(MonoCut(name, 0.0, rec.duration, 0, recording=rec, supervisions=[sup]))
    cuts = CutSet.from_cuts(cuts).resample(16000).compute_and_store_features(KaldiNativeFbank(), tmp / "feats")
    path = tmp / "cuts_test.jsonl.gz"
    cuts.to_file(path)
    return path


def test_stream_features_are_whole_chunks_and_the_tail_pads_to_them():
    samples = np.random.default_rng(0).uniform(-0.1, 0.1, 16000 + 37).astype(np.float32)
    for chunk in (16, 32):
        feats = stream_features(samples, chunk)
        assert (feats.shape[0] - LOOKAHEAD_FRAMES) % chunk == 0
        # every encoder frame of the 100 stored ones (1 s) is in a chunk
        assert subsampled_lengths(torch.tensor(feats.shape[0])) >= subsampled_lengths(torch.tensor(100))
        assert tail_padding(len(samples), chunk) > 0
    assert stream_features(samples[:400], 16).shape == (0, 80)  # too short for one encoder frame
    assert tail_padding(400, 16) == 0


def test_streaming_decode_export_and_sherpa_decode_agree(tmp_path, tokenizer, test_cuts):
    conf, exp = write_model(tmp_path, tokenizer, causal=True)
    common = ["--config", conf, "--exp-dir", exp, "--bpe-model", tokenizer.model_path]
    code, err = run("decode_streaming", *common, "--test-cuts", f"test={test_cuts}")
    assert code == 0, err
    for chunk in (16, 32):
        assert (exp / "streaming_greedy_search" / f"recogs-test-chunk-{chunk}-epoch-1-avg-1.txt").is_file()
        assert (exp / "streaming_modified_beam_search" / f"recogs-test-chunk-{chunk}-epoch-1-avg-1.txt").is_file()
    assert (exp / "greedy_search" / "recogs-test-full-context-epoch-1-avg-1.txt").is_file()

    code, err = run("export_onnx_streaming", *common)
    assert code == 0, err
    for chunk in (16, 32):
        assert {p.name for p in (exp / "onnx_streaming" / f"chunk-{chunk}").iterdir()} >= {
            "encoder.onnx", "decoder.onnx", "joiner.onnx", "tokens.txt"}

    code, err = run("sherpa_decode_streaming", "--exp-dir", exp, "--chunk-frames", 16, 32, "--beam", 2,
                    "--test-cuts", f"test={test_cuts}")
    assert code == 0, err
    emitted = 0
    for method in ("greedy_search", "modified_beam_search"):
        for chunk in (16, 32):
            ours = read_recogs(exp / f"streaming_{method}" / f"recogs-test-chunk-{chunk}-epoch-1-avg-1.txt")
            sherpa = read_recogs(exp / "onnx_streaming" / method / f"recogs-test-chunk-{chunk}.txt")
            assert sherpa == ours, (method, chunk)
            emitted += sum(len(h) for _, _, h in ours)
            timing = json.loads((exp / "onnx_streaming" / method / f"timing-test-chunk-{chunk}.json").read_text())
            assert timing["num_threads"] == 1 and timing["rtf"] > 0 and timing["mean_chunk_ms"] > 0
            # one decode_stream call per chunk of every stream: the chunks PyTorch encoded
            frames = [stream_features(c.resample(16000).load_audio()[0], chunk).shape[0] for c in CutSet.from_file(test_cuts)]
            assert timing["num_chunks"] == sum((f - LOOKAHEAD_FRAMES) // chunk for f in frames if f)
    assert emitted > 0, "the toy model should emit words"


def test_non_causal_model_and_bad_chunk_are_one_line(tmp_path, tokenizer, test_cuts):
    conf, exp = write_model(tmp_path, tokenizer, causal=False)
    common = ["--config", conf, "--exp-dir", exp, "--bpe-model", tokenizer.model_path]
    for module, extra in [("decode_streaming", ["--test-cuts", f"test={test_cuts}"]), ("export_onnx_streaming", [])]:
        code, err = run(module, *common, *extra)
        assert code == 1 and len(err) == 1, err
        assert "streaming needs a causal encoder" in err[0] and str(conf) in err[0]
    causal_conf, causal_exp = write_model(tmp_path, tokenizer, causal=True)
    common = ["--config", causal_conf, "--exp-dir", causal_exp, "--bpe-model", tokenizer.model_path]
    for module, extra in [("decode_streaming", ["--test-cuts", f"test={test_cuts}"]), ("export_onnx_streaming", [])]:
        code, err = run(module, *common, *extra, "--chunk-frames", 16, 10)
        assert code == 1 and len(err) == 1, err
        assert "a streaming chunk of 10 feature frames is not a positive multiple of the subsampling factor 4" in err[0]
    assert not (causal_exp / "streaming_greedy_search").exists() and not (causal_exp / "onnx_streaming").exists()
    code, err = run("sherpa_decode_streaming", "--exp-dir", causal_exp, "--chunk-frames", 16,
                    "--test-cuts", f"test={test_cuts}")
    assert code == 1 and len(err) == 1 and "onnx_streaming/chunk-16/encoder.onnx: does not exist" in err[0], err
