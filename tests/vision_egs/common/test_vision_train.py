"""vision_egs.common.train: seeded, resumable, and its history written."""
import dataclasses

import torch

from vision_egs.common.data import load_images
from vision_egs.common.train import TrainConfig, train_classifier


def test_training_is_seeded_and_resumes_where_it_stopped(tmp_path):
    train = load_images("embedded", "train").take(100)
    test = load_images("embedded", "test").take(50)
    cfg = TrainConfig(epochs=1, batch_size=50, lr=0.05)
    cpu = torch.device("cpu")
    a = train_classifier("resnet20", train, test, cfg, tmp_path / "a", cpu)
    b = train_classifier("resnet20", train, test, cfg, tmp_path / "b", cpu)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    train_classifier("resnet20", train, test, dataclasses.replace(cfg, epochs=2), tmp_path / "a", cpu)
    logs = "".join(p.read_text() for p in (tmp_path / "a" / "log").glob("log-train-*"))
    assert "resuming from" in logs and (tmp_path / "a" / "epoch-2.pt").is_file()
    history = (tmp_path / "a" / "log" / "history.tsv").read_text().splitlines()
    assert history[0].split("\t")[:3] == ["epoch", "lr", "train_loss"] and len(history) == 3
    assert (tmp_path / "a" / "history.png").is_file()
