"""The vision training loop under torchrun: two CPU ranks (gloo), rank 0 alone writing."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_classifier_training_runs_under_torchrun(tmp_path):
    conf = tmp_path / "ddp.yaml"
    conf.write_text("data: {train_images: 100, test_images: 50}\n"
                    "classifiers: {victims: [resnet20], surrogate: resnet20, train: {epochs: 1, batch_size: 25}}\n")
    torchrun = Path(sys.executable).parent / "torchrun"
    cmd = [str(torchrun), "--standalone", "--nproc_per_node", "2", "-m", "vision_egs.red.bin.train_classifiers",
           "--config", str(conf), "--exp-dir", str(tmp_path / "exp")]
    env = {"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    exp = tmp_path / "exp" / "classifiers" / "resnet20"
    assert (exp / "epoch-1.pt").is_file() and len(list((exp / "log").glob("log-train-*"))) == 1
    assert proc.stderr.count("epoch 1 batch 0/2") == 2  # each rank took 2 of the 4 batches
