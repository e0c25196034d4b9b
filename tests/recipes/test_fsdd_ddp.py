"""egs/fsdd/ASR training under torchrun (2 CPU processes, gloo): the same averaged result as one
process, a sharded sampler, rank 0 alone writing; and the same training run as a Slurm job,
through utils/slurm.pl (run.sh --trainer-cmd) and through steps/torchrun_multinode.sbatch."""
import os
import re
import subprocess
from pathlib import Path

import pytest
import torch
import yaml

from .helpers import FSDD, ROOT, assert_ok, run_recipe

pytestmark = pytest.mark.recipe


def ddp_config(out: Path) -> Path:
    """ci.yaml with half the batch per rank, so that two ranks together take one process's batch."""
    cfg = yaml.safe_load((ROOT / FSDD / "conf" / "ci.yaml").read_text())
    cfg["train"]["max_duration"] /= 2
    path = out / "ci_ddp.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def train_args(data_dir: Path, conf: Path, exp_dir: Path):
    return ["--stage", "4", "--stop-stage", "4", "--conf", str(conf), "--data-dir", str(data_dir),
            "--exp-dir", str(exp_dir), "--world-size", "2"]


@pytest.fixture(scope="module")
def ddp_run(fsdd_ci_run, tmp_path_factory):
    out, _, _ = fsdd_ci_run
    tmp = tmp_path_factory.mktemp("ddp")
    conf = ddp_config(tmp)
    proc = run_recipe(FSDD, train_args(out / "data", conf, tmp / "exp"))
    assert_ok(proc)
    return tmp / "exp", conf, proc


def averaged_valid_loss(conf: Path, exp_dir: Path, data_dir: Path) -> float:
    from lhotse import CutSet

    from icefall_ext.training import TransducerLoss, compute_validation_loss
    from icefall_ext.data.datamodule import eval_dataloader
    from icefall_ext.models.load import load_transducer

    model, tokenizer, _, _ = load_transducer(conf, exp_dir, data_dir / "lang_bpe" / "bpe.model", epoch=2, avg=2)
    dev = eval_dataloader(CutSet.from_file(data_dir / "fbank" / "cuts_dev.jsonl.gz"), max_duration=100)
    return compute_validation_loss(model, dev, TransducerLoss(tokenizer, model.cfg.ctc_loss_scale, torch.device("cpu")))


def history(exp_dir: Path):
    lines = (exp_dir / "log" / "loss.tsv").read_text().splitlines()
    keys = lines[0].split("\t")
    return [dict(zip(keys, line.split("\t"))) for line in lines[1:]]


def test_two_processes_give_the_averaged_result_of_one(fsdd_ci_run, ddp_run):
    out, _, _ = fsdd_ci_run
    exp_ddp, conf, _ = ddp_run
    data = out / "data"
    single = averaged_valid_loss(ROOT / FSDD / "conf" / "ci.yaml", out / "exp", data)
    ddp = averaged_valid_loss(conf, exp_ddp, data)
    untrained = history(out / "exp")[0]["valid_loss"]
    assert abs(ddp - single) < 0.15 * single, (single, ddp, untrained)
    one, two = history(out / "exp")[1], history(exp_ddp)[-1]
    assert two["device"] == "cpu x2" and one["device"] == "cpu x1"
    assert abs(int(two["step"]) - int(one["step"])) <= 0.25 * int(one["step"])  # same batches, in pairs


def test_sampler_is_sharded_and_rank_zero_alone_writes(fsdd_ci_run, ddp_run):
    from lhotse import CutSet

    out, _, _ = fsdd_ci_run
    exp_ddp, _, proc = ddp_run
    counts = {int(r): int(n) for r, n in re.findall(r"rank (\d) of 2: epoch 1 trained on (\d+) cuts", proc.stderr)}
    num_train = len(CutSet.from_file(out / "data" / "fbank" / "cuts_train.jsonl.gz"))
    assert set(counts) == {0, 1} and all(n > 0 for n in counts.values())
    assert 0.6 * num_train <= sum(counts.values()) <= num_train  # disjoint shards; drop_last leaves a few out
    logs = list((exp_ddp / "log").glob("log-train-*"))
    assert len(logs) == 1 and "rank 1 of 2" not in logs[0].read_text()
    assert sorted(p.name for p in exp_ddp.glob("*.pt")) == ["epoch-1.pt", "epoch-2.pt"]


def same_weights(a: Path, b: Path) -> bool:
    sa, sb = torch.load(a, map_location="cpu")["model"], torch.load(b, map_location="cpu")["model"]
    return sa.keys() == sb.keys() and all(torch.allclose(sa[k], sb[k], atol=1e-5) for k in sa)


@pytest.mark.parametrize("cluster", ["slurm.pl"], indirect=True)
def test_training_as_a_slurm_job_through_trainer_cmd(cluster, fsdd_ci_run, ddp_run, tmp_path):
    out, _, _ = fsdd_ci_run
    exp_ddp, conf, _ = ddp_run
    proc = run_recipe(FSDD, train_args(out / "data", conf, tmp_path / "exp") + ["--trainer-cmd", "utils/slurm.pl"])
    assert_ok(proc)
    job_log = (tmp_path / "exp" / "log" / "train.log").read_text()
    assert "torchrun --standalone --nproc_per_node 2" in job_log.splitlines()[0]
    assert "threads=2" in job_log and "# Ended (code 0)" in job_log
    assert same_weights(tmp_path / "exp" / "epoch-2.pt", exp_ddp / "epoch-2.pt")


@pytest.mark.parametrize("cluster", ["slurm.pl"], indirect=True)
def test_multinode_sbatch_template_on_one_node(cluster, fsdd_ci_run, ddp_run, tmp_path):
    out, _, _ = fsdd_ci_run
    exp_ddp, conf, _ = ddp_run
    data = out / "data"
    log = tmp_path / "sbatch.log"
    cmd = ["sbatch", "--wait", "--nodes", "1", "--cpus-per-task", "2", "--output", str(log),
           "steps/torchrun_multinode.sbatch", "2", "-m", "icefall_ext.bin.train", "--config", str(conf),
           "--exp-dir", str(tmp_path / "exp"), "--train-cuts", str(data / "fbank" / "cuts_train.jsonl.gz"),
           "--dev-cuts", str(data / "fbank" / "cuts_dev.jsonl.gz"),
           "--noise-cuts", str(data / "fbank" / "cuts_noise.jsonl.gz"),
           "--bpe-model", str(data / "lang_bpe" / "bpe.model"), "--num-epochs", "1"]
    env = dict(os.environ, OMP_NUM_THREADS="2", RDZV_PORT="29517")
    proc = subprocess.run(cmd, cwd=ROOT / FSDD, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr + (log.read_text() if log.exists() else "")
    assert "1 node(s) x 2 process(es), rendezvous at localhost:29517" in log.read_text()
    assert same_weights(tmp_path / "exp" / "epoch-1.pt", exp_ddp / "epoch-1.pt")
