"""bin/export_lm_onnx.py and bin/choose_scales.py on bad input: one line on stderr naming the file
or the option, exit status 1, and nothing written."""
import subprocess
import sys

import torch

from icefall_ext.lm.bigram import TokenBigram
from icefall_ext.lm.rnn_lm import RnnLm, RnnLmConfig


def run(module, *args):
    proc = subprocess.run([sys.executable, "-m", f"icefall_ext.bin.{module}", *map(str, args)],
                          capture_output=True, text=True)
    return proc.returncode, proc.stderr.strip().splitlines()


def test_export_lm_onnx_refuses_nothing_to_export_a_missing_model_and_another_vocabulary(tmp_path, tokenizer):
    out = tmp_path / "onnx"
    code, err = run("export_lm_onnx", "--bpe-model", tokenizer.model_path, "--out-dir", out)
    assert code == 1 and len(err) == 1 and "nothing to export" in err[0]

    missing = tmp_path / "epoch-3.pt"
    code, err = run("export_lm_onnx", "--bpe-model", tokenizer.model_path, "--out-dir", out, "--lm-checkpoint", missing)
    assert code == 1 and len(err) == 1 and str(missing) in err[0]

    other = tokenizer.vocab_size + 4
    ckpt = tmp_path / "lm.pt"
    lm_cfg = RnnLmConfig(embedding_dim=4, hidden_dim=4, num_layers=1)
    torch.save({"model": RnnLm(lm_cfg, other).state_dict(), "vocab_size": other,
                "config": {"lm": vars(lm_cfg)}}, ckpt)
    bigram = tmp_path / "bigram.pt"
    TokenBigram.estimate([[2, 3, 4], [3, 4]], other).save(bigram)
    for option, path in [("--lm-checkpoint", ckpt), ("--bigram", bigram)]:
        code, err = run("export_lm_onnx", "--bpe-model", tokenizer.model_path, "--out-dir", out, option, path)
        assert code == 1 and len(err) == 1, err
        assert str(path) in err[0] and f"{other} tokens" in err[0] and str(tokenizer.vocab_size) in err[0]
    assert not out.exists() or not any(out.iterdir())


def test_choose_scales_refuses_an_unscored_grid_and_writes_nothing(tmp_path):
    out = tmp_path / "chosen.txt"
    code, err = run("choose_scales", "--decode-dir", tmp_path, "--test-set", "dev", "--settings", "epoch-5-avg-1",
                    "--out", out)
    assert code == 1 and len(err) == 1
    assert str(tmp_path) in err[0] and "wer-summary-dev-epoch-5-avg-1" in err[0]
    assert not out.exists()
