"""The epoch loop every vision recipe trains with, and the classifier training built on it.

Seeded per epoch and rank, progress with ETA in the log, a checkpoint per epoch written
atomically, resume from the last one, CPU or CUDA by flag, and unchanged under torchrun
(DDP; each rank takes its own batches; rank 0 alone writes logs and checkpoints).
"""
import csv
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

from recipe_common.checkpoint import latest_epoch, load_checkpoint, save_checkpoint
from recipe_common.dist import DistInfo
from recipe_common.errors import InputError
from recipe_common.logging import Progress, setup_logger
from recipe_common.seed import epoch_seed, fix_random_seed
from vision_egs.common.data import ImageSet, shard_batches
from vision_egs.common.metrics import accuracy
from vision_egs.common.models import build_classifier
from vision_egs.common.results import plot_history, write_per_image


@dataclass
class TrainConfig:
    epochs: int = 30
    batch_size: int = 128
    optimizer: str = "sgd"  # sgd (momentum, nesterov) | adam
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "cosine"  # cosine | step
    step_epochs: int = 140  # step schedule: lr *= gamma every step_epochs
    gamma: float = 0.1
    seed: int = 0
    log_interval: int = 20


@dataclass
class DistillConfig:
    """Knowledge distillation (Hinton et al. 2015) from a teacher's logits: the loss is
    (1 - alpha) * cross-entropy + alpha * T^2 * KL(teacher || student), both softened by T."""
    alpha: float = 0.0  # 0: plain cross-entropy, no teacher needed
    temperature: float = 4.0

    def __post_init__(self):
        if not 0 <= self.alpha <= 1:
            raise ValueError(f"distillation alpha must be in [0, 1], not {self.alpha:g}")
        if self.temperature <= 0:
            raise ValueError(f"distillation temperature must be positive, not {self.temperature:g}")


def distillation_loss(logits: torch.Tensor, teacher_logits: torch.Tensor, labels: torch.Tensor,
                      cfg: DistillConfig) -> torch.Tensor:
    t = cfg.temperature
    soft = F.kl_div(F.log_softmax(logits / t, dim=1), F.log_softmax(teacher_logits / t, dim=1),
                    reduction="batchmean", log_target=True)
    return (1 - cfg.alpha) * F.cross_entropy(logits, labels) + cfg.alpha * t * t * soft


def make_optimizer(params, cfg: TrainConfig) -> torch.optim.Optimizer:
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay, nesterov=True)


def lr_at(cfg: TrainConfig, epoch: int) -> float:
    """Learning rate of a 1-based epoch."""
    if cfg.schedule == "step":
        return cfg.lr * cfg.gamma ** ((epoch - 1) // cfg.step_epochs)
    return 0.5 * cfg.lr * (1 + torch.cos(torch.tensor((epoch - 1) / max(cfg.epochs, 1) * torch.pi)).item())


class EpochTrainer:
    """Runs `train_epoch(epoch, trainer)` and `validate()` for every epoch not yet checkpointed.

    train_epoch does the optimizer steps through `trainer.step(loss)` and returns its averages;
    validate returns metrics of the model on held-out data (rank 0 only)."""

    def __init__(self, model: nn.Module, cfg: TrainConfig, exp_dir: Path, device: torch.device,
                 dist_info: DistInfo = DistInfo(1, 0, 0), extra_state: Optional[Dict] = None):
        self.model, self.cfg, self.exp_dir, self.device, self.dist = model, cfg, Path(exp_dir), device, dist_info
        self.extra_state = extra_state or {}
        self.optimizer = make_optimizer(model.parameters(), cfg)
        self.history: List[Dict] = []
        self.start_epoch = 1
        last = latest_epoch(self.exp_dir)
        if last is not None:
            ckpt = load_checkpoint(self.exp_dir / f"epoch-{last}.pt")
            model.load_state_dict(ckpt["model"])
            self.optimizer.load_state_dict(ckpt["optimizer"])
            self.history, self.start_epoch = ckpt.get("history", []), last + 1
            logging.info(f"resuming from {self.exp_dir}/epoch-{last}.pt")
        self.ddp_model = DDP(model) if dist_info.world_size > 1 else model

    def step(self, loss: torch.Tensor) -> None:
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def run(self, train_epoch: Callable[[int, "EpochTrainer"], Dict[str, float]],
            validate: Callable[[], Dict[str, float]]) -> List[Dict]:
        if self.start_epoch > self.cfg.epochs:
            logging.info(f"{self.exp_dir}/epoch-{self.cfg.epochs}.pt exists: training already finished")
            return self.history
        progress = Progress(self.cfg.epochs - self.start_epoch + 1)
        for epoch in range(self.start_epoch, self.cfg.epochs + 1):
            fix_random_seed(epoch_seed(self.cfg.seed, epoch, self.dist.rank))
            for group in self.optimizer.param_groups:
                group["lr"] = lr_at(self.cfg, epoch)
            start = time.time()
            self.model.train()
            row = {"epoch": epoch, "lr": lr_at(self.cfg, epoch), **train_epoch(epoch, self)}
            if self.dist.is_main:
                self.model.eval()
                with torch.no_grad():
                    row.update(validate())
                row["epoch_s"] = time.time() - start
                self.history.append(row)
                values = ", ".join(f"{k} {v:.4g}" for k, v in row.items() if k != "epoch")
                eta = progress.eta_str(epoch - self.start_epoch + 1)
                logging.info(f"epoch {epoch}/{self.cfg.epochs}: {values} | {eta}")
                save_checkpoint(self.exp_dir / f"epoch-{epoch}.pt", model=self.model.state_dict(),
                                optimizer=self.optimizer.state_dict(), history=self.history, **self.extra_state)
                write_history(self.exp_dir, self.history)
            if self.dist.world_size > 1:
                torch.distributed.barrier()
        return self.history


def last_checkpoint(exp_dir: Path) -> Path:
    """EXP_DIR/epoch-N.pt of the last epoch trained."""
    last = latest_epoch(exp_dir)
    if last is None:
        raise InputError(f"{exp_dir}: no epoch-N.pt checkpoints (train first)")
    return Path(exp_dir) / f"epoch-{last}.pt"


def write_history(exp_dir: Path, history: List[Dict]) -> None:
    (exp_dir / "log").mkdir(parents=True, exist_ok=True)
    with open(exp_dir / "log" / "history.tsv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(history[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(history)
    plot_history(history, exp_dir / "history.png")


def augment_cifar(x: torch.Tensor, pad: int = 4) -> torch.Tensor:
    """The standard CIFAR augmentation on a batch in [0, 1]: random crop after 4-pixel zero
    padding, and horizontal flip with probability 1/2 (torch's RNG)."""
    n, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))
    dy, dx = torch.randint(0, 2 * pad + 1, (2, n))
    out = torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])
    flip = torch.rand(n) < 0.5
    out[flip] = out[flip].flip(-1)
    return out


def evaluate_correct(model: nn.Module, data: ImageSet, device: torch.device, batch_size: int = 500) -> torch.Tensor:
    """Per image of `data`, in its order, whether the model classifies it right (bool, on the CPU)."""
    model.eval()
    with torch.no_grad():
        right = [model(data.images[idx].to(device).float() / 255.0).argmax(-1).cpu() == data.labels[idx]
                 for idx in shard_batches(len(data), batch_size, shuffle=False)]
    return torch.cat(right) if right else torch.zeros(0, dtype=torch.bool)


def evaluate_accuracy(model: nn.Module, data: ImageSet, device: torch.device, batch_size: int = 500) -> float:
    return evaluate_correct(model, data, device, batch_size).sum().item() / max(len(data), 1)


def final_correct_path(exp_dir: Path) -> Path:
    """Where train_classifier leaves the per-image correctness of its final model on `val`."""
    return Path(exp_dir) / "test_correct.json"


def cross_entropy_epoch(t: "EpochTrainer", train: ImageSet, epoch: int,
                        after_step: Optional[Callable[[], None]] = None, teacher: Optional[nn.Module] = None,
                        distill: DistillConfig = DistillConfig(),
                        observe: Optional[Callable[[torch.Tensor, torch.Tensor], None]] = None) -> Dict[str, float]:
    """One epoch of cross-entropy training with the standard augmentation on this rank's batches;
    `after_step` runs after every optimizer step (pruning re-applies its masks there). With a
    `teacher` (in eval mode) the loss distils from it on the same augmented batch. `observe(idx,
    correct)` sees each batch's indices into `train` and which of them the model got right
    (forgetting statistics count there)."""
    cfg = t.cfg
    total, correct, count = 0.0, 0.0, 0
    batches = list(shard_batches(len(train), cfg.batch_size, True, cfg.seed + epoch, t.dist.rank, t.dist.world_size))
    for i, idx in enumerate(batches):
        x = augment_cifar(train.images[idx].float() / 255.0).to(t.device)
        y = train.labels[idx].to(t.device)
        logits = t.ddp_model(x)
        if teacher is not None:
            with torch.no_grad():
                teacher_logits = teacher(x)
            loss = distillation_loss(logits, teacher_logits, y, distill)
        else:
            loss = F.cross_entropy(logits, y)
        if observe is not None:
            observe(idx, (logits.detach().argmax(-1) == y).cpu())
        t.step(loss)
        if after_step is not None:
            after_step()
        total += loss.item() * len(idx)
        correct += accuracy(logits, y) * len(idx)
        count += len(idx)
        if i % cfg.log_interval == 0:
            logging.info(f"epoch {epoch} batch {i}/{len(batches)}: loss {loss.item():.4f}")
    return {"train_loss": total / max(count, 1), "train_acc": correct / max(count, 1)}


def train_classifier(arch: str, train: ImageSet, val: ImageSet, cfg: TrainConfig, exp_dir: Path,
                     device: torch.device, dist_info: DistInfo = DistInfo(1, 0, 0)) -> nn.Module:
    """Cross-entropy training with the standard augmentation; returns the model of the last epoch."""
    setup_logger(Path(exp_dir) / "log" / "log-train", rank=dist_info.rank)
    fix_random_seed(cfg.seed)
    model = build_classifier(arch, len(train.classes)).to(device)
    logging.info(f"{arch}: {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters, "
                 f"{len(train)} training images, device {device}")
    trainer = EpochTrainer(model, cfg, exp_dir, device, dist_info, {"arch": arch, "num_classes": len(train.classes)})

    def train_epoch(epoch: int, t: EpochTrainer) -> Dict[str, float]:
        return cross_entropy_epoch(t, train, epoch)

    trainer.run(train_epoch, lambda: {"val_acc": evaluate_accuracy(model, val, device)})
    if dist_info.is_main:
        write_per_image(final_correct_path(exp_dir), {arch: evaluate_correct(model, val, device)})
    return model.eval()
