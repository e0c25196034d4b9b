"""vision_egs.common.train: seeded, resumable, and its history written; the distillation loss."""
import dataclasses

import pytest
import torch
import torch.nn.functional as F

from vision_egs.common.data import load_images
from vision_egs.common.train import DistillConfig, TrainConfig, distillation_loss, train_classifier


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


def test_distillation_loss_mixes_cross_entropy_and_the_softened_teacher():
    g = torch.Generator().manual_seed(0)
    student, teacher = torch.randn(8, 10, generator=g), torch.randn(8, 10, generator=g)
    labels = torch.randint(0, 10, (8,), generator=g)
    ce = F.cross_entropy(student, labels)
    assert torch.allclose(distillation_loss(student, teacher, labels, DistillConfig(alpha=0.0)), ce)
    t = 4.0
    p_teacher, p_student = F.softmax(teacher / t, 1), F.softmax(student / t, 1)
    kl = (p_teacher * (p_teacher.log() - p_student.log())).sum(1).mean()  # by hand, averaged over the batch
    got = distillation_loss(student, teacher, labels, DistillConfig(alpha=0.75, temperature=t))
    assert torch.allclose(got, 0.25 * ce + 0.75 * t * t * kl, atol=1e-6)
    # a student that already matches its teacher pays nothing for the soft part
    assert distillation_loss(teacher, teacher, labels, DistillConfig(alpha=1.0)).abs().item() < 1e-6


@pytest.mark.parametrize("alpha, temperature", [(1.5, 4.0), (-0.1, 4.0), (0.5, 0.0)])
def test_distillation_config_refuses_values_outside_their_range(alpha, temperature):
    with pytest.raises(ValueError, match="distillation"):
        DistillConfig(alpha=alpha, temperature=temperature)
