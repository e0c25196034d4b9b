"""SR training on the epoch loop of vision_egs/common (resume, per-epoch checkpoints, ETA): every epoch
draws `patches_per_epoch` fresh aligned patches (seeded by the epoch, data.sample_patches), and the
loss is L1 on [0, 1] images, as FSRCNN, ESPCN and WDSR-B train in the SR literature's PyTorch code.
The loss is a parameter: a baseline's own output, or the supernet's sandwich of sub-networks."""
import dataclasses
import logging
import random
from pathlib import Path
from typing import Callable, Dict, List

import torch
import torch.nn.functional as F
from torch import nn

from recipe_common.checkpoint import check_same_config, latest_epoch, load_checkpoint
from recipe_common.logging import Progress, setup_logger
from recipe_common.seed import fix_random_seed
from vision_egs.common.train import EpochTrainer
from vision_egs.sr_search.config import SRDataConfig, SRTrainConfig
from vision_egs.sr_search.data import SRPair, sample_patches
from vision_egs.sr_search.evaluate import mean_psnr
from vision_egs.sr_search.supernet import Supernet, sandwich

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (LR batch, HR batch) in [0, 1] -> loss


def l1_loss(model: nn.Module) -> Loss:
    return lambda lr, hr: F.l1_loss(model(lr), hr)


def sandwich_loss(supernet: Supernet, n_random: int) -> Loss:
    """The sum of the L1 losses of the sandwich's sub-networks on the batch: one backward accumulates
    the gradient of each into the shared weights, one step applies them. The random sub-networks come
    from Python's `random`, which the epoch loop seeds per epoch (so a resumed run draws the same)."""
    return lambda lr, hr: sum(F.l1_loss(supernet(lr, c), hr) for c in sandwich(supernet.space, random, n_random))


def train_sr(model: nn.Module, loss: Loss, predict: Callable[[torch.Tensor], torch.Tensor], train: List[SRPair],
             valid: List[SRPair], data: SRDataConfig, cfg: SRTrainConfig, exp_dir: Path,
             meta: Dict) -> nn.Module:
    """Trains `model` by `loss` for cfg.epochs (resuming in exp_dir), validating `predict` (an LR image
    batch -> SR) by Y PSNR on `valid`. `meta` (how to rebuild the model) and the data and train
    sections go into every checkpoint: resuming under other values stops with one line naming the key,
    and a finished training does nothing."""
    setup_logger(Path(exp_dir) / "log" / "log-train")
    config = {"meta": meta, "data": dataclasses.asdict(data), "train": dataclasses.asdict(cfg)}
    last = latest_epoch(exp_dir)
    if last is not None:
        path = Path(exp_dir) / f"epoch-{last}.pt"
        check_same_config(path, load_checkpoint(path).get("config"), config)
    fix_random_seed(cfg.seed)
    scale = train[0].scale
    logging.info(f"{exp_dir}: {sum(p.numel() for p in model.parameters())} parameters, x{scale}, "
                 f"{cfg.epochs} epochs of {data.patches_per_epoch} patches")
    trainer = EpochTrainer(model, cfg, exp_dir, torch.device("cpu"), extra_state={"meta": meta, "config": config})

    def train_epoch(epoch: int, t: EpochTrainer) -> Dict[str, float]:
        lr, hr = sample_patches(train, data.patches_per_epoch, data.lr_patch, seed=cfg.seed * 100003 + epoch)
        order = torch.randperm(len(lr))
        batches = order.split(cfg.batch_size)
        progress, total = Progress(len(batches)), 0.0
        for i, idx in enumerate(batches, 1):
            value = loss(lr[idx].float() / 255, hr[idx].float() / 255)
            t.step(value)
            total += value.item() * len(idx)
            if i % cfg.log_interval == 0:
                logging.info(f"epoch {epoch} batch {i}/{len(batches)}: loss {value.item():.4f} | {progress.eta_str(i)}")
        return {"train_l1": total / len(lr)}

    trainer.run(train_epoch, lambda: {"valid_psnr": mean_psnr(predict, valid)})
    return model.eval()
