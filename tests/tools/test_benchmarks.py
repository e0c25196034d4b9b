"""tools/benchmarks/transducer.py at a CI size: every loss and search gets its row, the batched
searches give the per-utterance hypotheses, and torchaudio's row says whether it was measured."""
import importlib.util
import subprocess
import sys


def test_transducer_benchmark_writes_its_tables(repo_root, tmp_path):
    out = tmp_path / "RESULTS.md"
    cmd = [sys.executable, str(repo_root / "tools/benchmarks/transducer.py"), "--shape", "ci=2,8,3,10,16", "--repeats", "1",
           "--decode-utterances", "4", "--decode-frames", "8", "--decode-batches", "1", "3", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in out.read_text().splitlines() if line.startswith("| ci |") or line.startswith("| greedy")
            or line.startswith("| modified")]
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


def test_a_bad_shape_is_one_line(repo_root):
    proc = subprocess.run([sys.executable, str(repo_root / "tools/benchmarks/transducer.py"), "--shape", "ci=2,8"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--shape 'ci=2,8': expected NAME=B,T,U,V,WIDTH" in proc.stderr.splitlines()[-1]
