"""Prune and retrain: magnitude-based gradual pruning (Zhu & Gupta's cubic schedule, masks recomputed
by each layer's scheme at the start of every pruning epoch) from a trained dense model, then
fine-tuning with the masks fixed. Masks stay applied after every optimizer step, so the model is
pruned at all times; the final masks are saved beside the checkpoints (masks.pt). With
distillation on, the dense model is the teacher throughout (our addition, not the paper's)."""
import logging
from pathlib import Path
from typing import Dict

import torch
from torch import nn

from recipe_common.checkpoint import load_checkpoint, save_checkpoint
from recipe_common.logging import setup_logger
from recipe_common.seed import fix_random_seed
from vision_egs.common.data import ImageSet
from vision_egs.common.models import load_classifier
from vision_egs.common.train import (
    DistillConfig,
    EpochTrainer,
    TrainConfig,
    cross_entropy_epoch,
    evaluate_accuracy,
    last_checkpoint,
)
from vision_egs.pruning.masks import Mapping, apply_masks, compute_masks, cubic_rate_scale


def prune_and_finetune(dense_ckpt: Path, arch: str, mapping: Mapping, train: ImageSet, val: ImageSet,
                       cfg: TrainConfig, prune_epochs: int, exp_dir: Path,
                       distill: DistillConfig = DistillConfig()) -> nn.Module:
    """The pruned model of the last epoch (masks applied); EXP_DIR/masks.pt holds its masks."""
    exp_dir = Path(exp_dir)
    setup_logger(exp_dir / "log" / "log-prune")
    fix_random_seed(cfg.seed)
    model = load_classifier(dense_ckpt, arch).train()
    teacher = load_classifier(dense_ckpt, arch) if distill.alpha > 0 else None
    trainer = EpochTrainer(model, cfg, exp_dir, torch.device("cpu"), extra_state={"arch": arch, "num_classes": 10})

    def train_epoch(epoch: int, t: EpochTrainer) -> Dict[str, float]:
        scale = cubic_rate_scale(epoch, prune_epochs)
        masks = compute_masks(model, mapping, scale)
        apply_masks(model, masks)
        stats = cross_entropy_epoch(t, train, epoch, lambda: apply_masks(model, masks), teacher, distill)
        return {"rate_scale": scale, **stats}

    trainer.run(train_epoch, lambda: {"val_acc": evaluate_accuracy(model, val, torch.device("cpu"))})
    final = compute_masks(model, mapping)
    apply_masks(model, final)
    save_checkpoint(exp_dir / "masks.pt", masks=final, mapping={n: str(c) for n, c in mapping.items()})
    logging.info(f"{exp_dir}: pruned and fine-tuned, {len(final)} layers masked")
    return model.eval()


def load_pruned(exp_dir: Path, arch: str) -> nn.Module:
    """The last fine-tuned checkpoint of EXP_DIR with its saved masks applied."""
    model = load_classifier(last_checkpoint(exp_dir), arch)
    apply_masks(model, load_checkpoint(Path(exp_dir) / "masks.pt")["masks"])
    return model.eval()
