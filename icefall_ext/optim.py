"""The optimiser and learning-rate schedule of the transducer recipes (icefall keeps its in optim.py)."""
import torch

from icefall_ext.asr_config import TrainConfig


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    return torch.optim.AdamW(model.parameters(), lr=cfg.base_lr, weight_decay=cfg.weight_decay)


def learning_rate(cfg: TrainConfig, step: int) -> float:
    """Linear warm-up over `warmup_steps`, then icefall's Eden decay in steps:
    lr = base_lr * ((step^2 + lr_steps^2) / lr_steps^2) ** -0.25."""
    warmup = min(1.0, (step + 1) / max(cfg.warmup_steps, 1))
    decay = ((step**2 + cfg.lr_steps**2) / cfg.lr_steps**2) ** -0.25
    return cfg.base_lr * warmup * decay


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
