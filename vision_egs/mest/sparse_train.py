"""One run of the comparison: a model trained dense, small-dense or sparse by one method, optionally
with forgetting-based data removal, written to its folder with run.json (accuracy, per-image test
correctness, sparsity, footprint, peak memory, step times, data-efficiency numbers).

The sparse trainer masks gradients after backward and weights after every SGD step, and the
momentum after every mask update (masks.py). Mask updates happen at the start of an epoch, the
dense gradient they may rank by taken on `update.grad_batches` training batches at the masked
weights. Epoch checkpoints hold masks and forgetting counts, so an interrupted run resumes; once
run.json is written only the last checkpoint is kept."""
import json
import logging
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from recipe_common.checkpoint import epoch_checkpoints, load_checkpoint
from recipe_common.io import write_text_atomic
from recipe_common.logging import setup_logger
from recipe_common.seed import epoch_seed, fix_random_seed
from vision_egs.common.data import ImageSet, shard_batches
from vision_egs.common.train import (EpochTrainer, augment_cifar, cross_entropy_epoch, evaluate_correct,
                                     last_checkpoint)
from vision_egs.mest.config import MestRecipeConfig
from vision_egs.mest.experiment import RunSpec, run_dir, run_json
from vision_egs.mest.footprint import training_footprint
from vision_egs.mest.forgetting import ForgettingCounter
from vision_egs.mest.masks import MaskSet
from vision_egs.mest.measure import peak_rss_bytes, reset_peak_rss
from vision_egs.mest.methods import SPARSE_METHODS, MaskUpdater
from vision_egs.mest.models import build_model, parameter_count, small_dense_width, sparsity_profile


class SparseTrainer(EpochTrainer):
    """EpochTrainer whose steps keep the masked weights at zero."""

    def __init__(self, *args, masks: Optional[MaskSet] = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.masks = masks

    def step(self, loss: torch.Tensor) -> None:
        self.optimizer.zero_grad()
        loss.backward()
        if self.masks is not None:
            self.masks.mask_gradients()
        self.optimizer.step()
        if self.masks is not None:
            self.masks.apply()


def sparse_nonzero_count(arch: str, width: float, scheme: str, sparsity: float) -> int:
    """Parameters of the sparse model that are not masked (what small-dense matches)."""
    model = build_model(arch, width)
    masks = MaskSet(model, sparsity_profile(model, sparsity), scheme)
    masks.random_init(torch.Generator().manual_seed(0))
    return parameter_count(model) - sum(w.numel() for w in masks.weights.values()) + masks.nonzero_weights()


def dense_gradients(model: nn.Module, masks: MaskSet, train: ImageSet, batches: int, batch_size: int,
                    seed: int) -> Dict[str, torch.Tensor]:
    """Unmasked gradients of the sparse layers, summed over `batches` augmented training batches."""
    model.zero_grad()
    for idx in list(shard_batches(len(train), batch_size, True, seed))[:batches]:
        F.cross_entropy(model(augment_cifar(train.images[idx].float() / 255.0)), train.labels[idx]).backward()
    grads = {name: w.grad.detach().clone() for name, w in masks.weights.items()}
    model.zero_grad()
    return grads


def train_run(spec: RunSpec, cfg: MestRecipeConfig, train: ImageSet, test: ImageSet, exp_dir: Path) -> Dict:
    """Trains the run (or resumes it) and returns what run.json holds."""
    out = run_dir(exp_dir, spec)
    setup_logger(out / "log" / "log-train")
    per_run_peak = reset_peak_rss()
    fix_random_seed(spec.seed)
    train_cfg = replace(cfg.train, seed=spec.seed)
    width = cfg.model.width
    if spec.method == "small_dense":
        width = small_dense_width(cfg.model.arch, width,
                                  sparse_nonzero_count(cfg.model.arch, width, spec.scheme, spec.sparsity))
    model = build_model(cfg.model.arch, width)
    masks = updater = None
    if spec.method in SPARSE_METHODS:
        masks = MaskSet(model, sparsity_profile(model, spec.sparsity), spec.scheme)
        updater = MaskUpdater(spec.method, masks, cfg.update, train_cfg.epochs, spec.sparsity)
        updater.initialise(torch.Generator().manual_seed(spec.seed))
    counter = ForgettingCounter(len(train)) if spec.data_efficient else None
    state = {"run": asdict(spec), "width": width, "kept_ids": torch.arange(len(train)),
             "masks": masks.state if masks else {}, "forgetting": counter.state if counter else {}}
    trainer = SparseTrainer(model, train_cfg, out, torch.device("cpu"), extra_state=state, masks=masks)
    if trainer.start_epoch > 1:
        saved = load_checkpoint(out / f"epoch-{trainer.start_epoch - 1}.pt")
        state["kept_ids"] = saved["kept_ids"]
        if masks:
            masks.load(saved["masks"])
        if counter:
            counter.load(saved["forgetting"])
    logging.info(f"{spec.name}: {cfg.model.arch} width {width:.3g}, {parameter_count(model)} parameters, "
                 f"{len(train)} training images")

    def train_epoch(epoch: int, t: EpochTrainer) -> Dict[str, float]:
        row: Dict[str, float] = {"mutated": 0.0} if updater is not None else {}
        subset = ImageSet(train.images[state["kept_ids"]], train.labels[state["kept_ids"]], train.classes)
        if updater is not None and updater.is_update_epoch(epoch - 1):
            grads = dense_gradients(model, masks, subset, cfg.update.grad_batches, train_cfg.batch_size,
                                    epoch_seed(spec.seed, epoch, 1)) if updater.needs_gradients() else None
            row["mutated"] = updater.update(epoch - 1, grads, torch.Generator().manual_seed(epoch_seed(spec.seed, epoch, 2)))
            masks.mask_momentum(t.optimizer)
        if counter is not None and epoch == cfg.data_efficiency.remove_epoch:
            n = int(round(cfg.data_efficiency.remove_fraction * len(train)))
            gone = counter.least_forgotten(n)
            keep = torch.ones(len(train), dtype=torch.bool)
            keep[gone] = False
            state["kept_ids"] = keep.nonzero().flatten()
            logging.info(f"epoch {epoch}: removed the {len(gone)} least-forgotten of {len(train)} examples")
            subset = ImageSet(train.images[state["kept_ids"]], train.labels[state["kept_ids"]], train.classes)
        fp = training_footprint(model, masks, updater is not None and updater.needs_gradients())
        ids = state["kept_ids"]
        observe = (lambda idx, correct: counter.update(ids[idx], correct)) if counter else None
        start = time.time()
        stats = cross_entropy_epoch(t, subset, epoch, observe=observe)
        steps = -(-len(subset) // train_cfg.batch_size)
        row.update(stats, train_s=time.time() - start, step_ms=1000 * (time.time() - start) / steps,
                   train_images=len(subset), footprint_bytes=fp.bytes, update_footprint_bytes=fp.update_bytes,
                   sparsity=1 - masks.nonzero_weights() / sum(w.numel() for w in masks.weights.values())
                   if masks else 0.0)
        return row

    history = trainer.run(train_epoch, lambda: {})
    correct = evaluate_correct(model, test, torch.device("cpu"))
    result = summarise(spec, cfg, model, masks, updater, history, correct, width)
    result["peak_rss_bytes"], result["peak_rss_per_run"] = peak_rss_bytes(), per_run_peak
    if counter is not None:
        result["data_efficiency"] = data_efficiency_row(history, cfg.data_efficiency.remove_epoch, len(train))
    write_text_atomic(run_json(exp_dir, spec), json.dumps(result, indent=1) + "\n")
    for epoch in epoch_checkpoints(out)[:-1]:
        (out / f"epoch-{epoch}.pt").unlink()
    logging.info(f"{spec.name}: test accuracy {result['accuracy']:.4f}, sparsity {result['sparsity']:.4f}")
    return result


def summarise(spec: RunSpec, cfg: MestRecipeConfig, model: nn.Module, masks: Optional[MaskSet],
              updater: Optional[MaskUpdater], history, correct: torch.Tensor, width: float) -> Dict:
    fp = training_footprint(model, masks, updater is not None and updater.needs_gradients())
    return {"run": asdict(spec), "name": spec.name, "arch": cfg.model.arch, "width": width,
            "parameters": parameter_count(model),
            "nonzero_parameters": parameter_count(model) - (sum(w.numel() for w in masks.weights.values())
                                                            - masks.nonzero_weights() if masks else 0),
            "accuracy": correct.float().mean().item(), "test_correct": correct.int().tolist(),
            "sparsity": history[-1]["sparsity"] if masks else 0.0,
            "footprint_bytes": max(h["footprint_bytes"] for h in history), "final_footprint_bytes": fp.bytes,
            "update_footprint_bytes": max(h["update_footprint_bytes"] for h in history),
            "dense_footprint_bytes": fp.dense_bytes,
            "step_ms": sum(h["train_s"] for h in history) * 1000 / sum(
                -(-h["train_images"] // cfg.train.batch_size) for h in history),
            "epochs": len(history)}


def data_efficiency_row(history, remove_epoch: int, n_train: int) -> Dict:
    before = [h["train_s"] for h in history if h["epoch"] < remove_epoch]
    after = [h["train_s"] for h in history if h["epoch"] >= remove_epoch]
    removed = n_train - history[-1]["train_images"]
    mean_before, mean_after = sum(before) / len(before), sum(after) / len(after)
    return {"removed": removed, "removed_fraction": removed / n_train, "remove_epoch": remove_epoch,
            "epoch_s_before": mean_before, "epoch_s_after": mean_after, "time_saving": 1 - mean_after / mean_before}


def load_sparse(cfg: MestRecipeConfig, spec: RunSpec, exp_dir: Path) -> Tuple[nn.Module, MaskSet]:
    """A finished sparse run's last model with its masks applied."""
    out = run_dir(exp_dir, spec)
    ckpt = load_checkpoint(last_checkpoint(out))
    model = build_model(cfg.model.arch, ckpt["width"])
    model.load_state_dict(ckpt["model"])
    masks = MaskSet(model, sparsity_profile(model, spec.sparsity), spec.scheme)
    masks.load(ckpt["masks"])
    masks.apply()
    return model, masks
