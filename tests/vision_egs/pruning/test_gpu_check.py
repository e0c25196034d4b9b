"""gpu_check.sh refuses, with one line and a non-zero status, where CUDA is not available, before
it reads any data or writes anything."""
import os
import subprocess


def test_gpu_check_refuses_without_cuda(repo_root, tmp_path):
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="")  # no GPU, even on a machine that has one
    proc = subprocess.run(["bash", str(repo_root / "vision_egs" / "pruning" / "gpu_check.sh"),
                           "--corpus-dir", "/nonexistent", "--exp-dir", str(tmp_path / "exp")],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        "gpu_check.py: error: CUDA is not available (torch.cuda.is_available() is False): this check trains on a GPU"]
    assert not (tmp_path / "exp").exists()
