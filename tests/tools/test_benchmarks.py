"""tools/benchmarks/transducer.py at a CI size: every loss and search gets its row, the batched
searches give the per-utterance hypotheses, torchaudio's row says whether it was measured, and a
recipe config's model trains with each loss."""
import importlib.util
import subprocess
import sys

import pytest

# A recipe config with the smallest model the benchmark's training section can build
TINY_CONFIG = """\
tokens: {vocab_size: 10}
model:
  encoder: {num_features: 8, subsampling_channels: 4, d_model: 16, num_layers: 1, num_heads: 2, feedforward_dim: 16}
  decoder_dim: 16
  joiner_dim: 16
  prune_range: 3
"""


@pytest.fixture
def tiny_config(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_CONFIG)
    return path


def test_transducer_benchmark_writes_its_tables(repo_root, tmp_path, tiny_config):
    out = tmp_path / "RESULTS.md"
    cmd = [sys.executable, str(repo_root / "tools/benchmarks/transducer.py"), "--shape", "ci=2,8,3,10,16", "--repeats", "1",
           "--decode-utterances", "4", "--decode-frames", "8", "--decode-batches", "1", "3",
           "--train-config", f"{tiny_config}=2,40,3", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in out.read_text().splitlines() if line.startswith("| ci |") or line.startswith("| greedy")
            or line.startswith("| modified")]
    train = [line.split(" | ") for line in out.read_text().splitlines() if line.startswith(f"| {tiny_config} |")]
    assert [r.split(" | ")[6] for r in rows[:3]] == ["full-sum", "pruned (s=5)", "torchaudio"]
    assert "ru_maxrss" in out.read_text()
    if importlib.util.find_spec("torchaudio") is None:
        assert "not installed" in rows[2]
    else:  # the same full-sum loss, from another implementation
        assert rows[2].split(" | ")[-1] == rows[0].split(" | ")[-1]
    decode = rows[3:]
    assert [(r.split(" | ")[0], r.split(" | ")[1]) for r in decode] == [
        ("| greedy_search", "1"), ("| greedy_search", "3"), ("| modified_beam_search", "1"), ("| modified_beam_search", "3")]
    assert all(r.endswith("| 4 of 4 |") for r in decode)
    assert [r[1:5] + r[6:7] for r in train] == [["2", "40", "3", "10", "full-sum"], ["2", "40", "3", "10", "pruned (s=3)"]]
    assert all(float(r[7]) > 0 and float(r[8]) > 0 for r in train)  # utterances per second, wall-clock and CPU
    assert int(train[1][5].replace(",", "")) > int(train[0][5].replace(",", ""))  # the simple loss's projections


def test_a_bad_shape_is_one_line(repo_root):
    proc = subprocess.run([sys.executable, str(repo_root / "tools/benchmarks/transducer.py"), "--shape", "ci=2,8"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--shape 'ci=2,8': expected NAME=B,T,U,V,WIDTH" in proc.stderr.splitlines()[-1]


def test_a_bad_train_config_is_one_line(repo_root, tmp_path):
    script = str(repo_root / "tools/benchmarks/transducer.py")
    for spec, message in [("conf.yaml", "expected CONFIG=B,T,U"), (f"{tmp_path}/none.yaml=2,8,3", "config file does not exist")]:
        proc = subprocess.run([sys.executable, script, "--train-config", spec], capture_output=True, text=True)
        assert proc.returncode == 2 and message in proc.stderr.splitlines()[-1]
