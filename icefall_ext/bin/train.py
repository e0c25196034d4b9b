#!/usr/bin/env python3
"""Trains a transducer on lhotse cuts with precomputed features.

    python -m icefall_ext.bin.train --config conf/tiny.yaml --exp-dir exp/transducer \
        --train-cuts data/fbank/cuts_train.jsonl.gz --dev-cuts data/fbank/cuts_dev.jsonl.gz \
        --bpe-model data/lang_bpe/bpe.model [--noise-cuts data/fbank/cuts_noise.jsonl.gz] [--device cuda]

Runs unchanged under `torchrun --nproc_per_node N` (DDP; each rank reads its own shard
of every batch list; only rank 0 logs to file and saves). Resumes from the last
`epoch-N.pt` in --exp-dir; a finished training does nothing.
"""
import argparse
import csv
import logging
import math
import random
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import torch
from lhotse import CutSet
from torch.nn.parallel import DistributedDataParallel as DDP

from icefall_ext.asr_config import AsrRecipeConfig, TrainConfig
from icefall_ext.data.datamodule import eval_dataloader, train_dataloader
from icefall_ext.features.kaldi_native_fbank import KaldiNativeFbank  # noqa: F401  (registers the extractor)
from icefall_ext.features.stats import global_mean_std
from icefall_ext.models.transducer import Transducer
from icefall_ext.tokens.bpe import Tokenizer
from icefall_ext.utils.checkpoint import latest_epoch, load_checkpoint, save_checkpoint
from icefall_ext.utils.cli import run_main
from icefall_ext.utils.config import load_config
from icefall_ext.utils.dist import DistInfo, cleanup_dist, setup_dist
from icefall_ext.utils.errors import InputError
from icefall_ext.utils.logging import Progress, setup_logger
from icefall_ext.utils.plot import plot_loss_curves
from icefall_ext.utils.seed import epoch_seed, fix_random_seed


def add_training_data_arguments(p: argparse.ArgumentParser) -> None:
    """The config and data options of every command that trains (train.py, train_speed.py)."""
    p.add_argument("--config", required=True)
    p.add_argument("--train-cuts", required=True, type=Path)
    p.add_argument("--dev-cuts", required=True, type=Path)
    p.add_argument("--noise-cuts", type=Path, default=None)
    p.add_argument("--bpe-model", required=True, type=Path)


def get_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_training_data_arguments(p)
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--num-epochs", type=int, default=None, help="overrides train.num_epochs of the config")
    p.add_argument("--use-amp", action="store_true", help="mixed precision (float16 on CUDA, bfloat16 on CPU)")
    return p


def load_cuts(path: Path) -> CutSet:
    if not path.is_file():
        raise InputError(f"{path}: cut manifest does not exist")
    cuts = CutSet.from_file(path)
    if len(cuts) == 0:
        raise InputError(f"{path}: cut manifest is empty")
    return cuts


def check_transcripts(cuts: CutSet, tokenizer: Tokenizer, path: Path) -> None:
    """Fails on the first transcript with a token outside the vocabulary, naming it."""
    for cut in cuts:
        for sup in cut.supervisions:
            tokenizer.encode(sup.text, where=f"{path}: cut {cut.id}")


def learning_rate(cfg: TrainConfig, step: int) -> float:
    warmup = min(1.0, (step + 1) / max(cfg.warmup_steps, 1))
    decay = ((step**2 + cfg.lr_steps**2) / cfg.lr_steps**2) ** -0.25
    return cfg.base_lr * warmup * decay


def batch_to_inputs(batch: Dict, tokenizer: Tokenizer, device: torch.device) -> Tuple[torch.Tensor, ...]:
    feats = batch["inputs"].to(device)
    sup = batch["supervisions"]
    order = sup["sequence_idx"]
    x_lens = torch.zeros(feats.shape[0], dtype=torch.long)
    x_lens[order] = (sup["start_frame"] + sup["num_frames"]).long()
    texts: List[str] = [""] * feats.shape[0]
    for i, text in zip(order.tolist(), sup["text"]):
        texts[i] = text
    ids = [tokenizer.encode(t) for t in texts]
    y_lens = torch.tensor([len(t) for t in ids], dtype=torch.long)
    y = torch.full((len(ids), max(1, int(y_lens.max()))), -1, dtype=torch.long)
    for i, t in enumerate(ids):
        y[i, : len(t)] = torch.tensor(t, dtype=torch.long)
    return feats, x_lens.to(device), y.to(device), y_lens.to(device)


def flush_denormals() -> None:
    """Computes subnormal floats as zero on CPU: on FSDD, one seed's steps ran five times
    slower without it, once values had decayed into the subnormal range."""
    torch.set_flush_denormal(True)


def amp_dtype(device: torch.device) -> torch.dtype:
    """Mixed precision: float16 (with loss scaling) on CUDA, bfloat16 on CPU."""
    return torch.float16 if device.type == "cuda" else torch.bfloat16


def train_step(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    batch: Dict,
    tokenizer: Tokenizer,
    device: torch.device,
    cfg: TrainConfig,
    step: int,
    use_amp: bool = False,
) -> Optional[Tuple[float, int, int]]:
    """One optimizer step: (summed loss, frames, utterances), or None when it was skipped for a
    non-finite loss or gradient. use_amp: autocast to amp_dtype(device)."""
    for group in optimizer.param_groups:
        group["lr"] = learning_rate(cfg, step)
    x, x_lens, y, y_lens = batch_to_inputs(batch, tokenizer, device)
    with torch.autocast(device.type, dtype=amp_dtype(device), enabled=use_amp):
        loss, frames = model(x, x_lens, y, y_lens)
    optimizer.zero_grad()
    scaler.scale(loss / x.shape[0]).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
    if not math.isfinite(loss.item()) or not math.isfinite(float(grad_norm)):
        scaler.update()  # a float16 overflow lowers the loss scale
        return None
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), int(frames), x.shape[0]


def make_scaler(device: torch.device, use_amp: bool) -> torch.amp.GradScaler:
    """Loss scaling for float16 on CUDA; bfloat16 (CPU) needs none, and a disabled scaler is a no-op."""
    return torch.amp.GradScaler(device.type, enabled=use_amp and device.type == "cuda")


@torch.no_grad()
def compute_validation_loss(model: Transducer, dl, tokenizer: Tokenizer, device: torch.device) -> float:
    model.eval()
    total, frames = 0.0, 0
    for batch in dl:
        loss, n = model(*batch_to_inputs(batch, tokenizer, device))
        total, frames = total + loss.item(), frames + int(n)
    model.train()
    return total / max(frames, 1)


def train(args: argparse.Namespace, dist_info: DistInfo) -> None:
    cfg = load_config(args.config, AsrRecipeConfig)
    num_epochs = args.num_epochs or cfg.train.num_epochs
    exp_dir = args.exp_dir
    setup_logger(exp_dir / "log" / "log-train", rank=dist_info.rank)
    device = torch.device("cuda", dist_info.local_rank) if args.device == "cuda" else torch.device("cpu")
    if args.device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA device is available")

    last = latest_epoch(exp_dir)
    if last is not None and last >= num_epochs:
        logging.info(f"{exp_dir}/epoch-{last}.pt exists: training already finished")
        return

    tokenizer = Tokenizer(args.bpe_model)
    train_cuts, dev_cuts = load_cuts(args.train_cuts), load_cuts(args.dev_cuts)
    check_transcripts(train_cuts, tokenizer, args.train_cuts)
    noise_cuts = load_cuts(args.noise_cuts) if args.noise_cuts else None

    flush_denormals()
    fix_random_seed(cfg.train.seed)
    model = Transducer(cfg.model, vocab_size=tokenizer.vocab_size, blank_id=tokenizer.blank_id).to(device)
    logging.info(f"model: {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters, device {device}")
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.train.base_lr, weight_decay=cfg.train.weight_decay)
    scaler = make_scaler(device, args.use_amp)
    start_epoch, step, history = 1, 0, []
    if last is not None:
        ckpt = load_checkpoint(exp_dir / f"epoch-{last}.pt")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        if ckpt.get("grad_scaler"):
            scaler.load_state_dict(ckpt["grad_scaler"])
        start_epoch, step, history = last + 1, ckpt["step"], ckpt.get("history", [])
        logging.info(f"resuming from {exp_dir}/epoch-{last}.pt (step {step})")
    else:
        model.encoder.set_feature_stats(*global_mean_std(train_cuts.shuffle(random.Random(cfg.train.seed))))
    ddp_model = DDP(model) if dist_info.world_size > 1 else model

    dev_dl = eval_dataloader(dev_cuts, cfg.decode.max_duration)
    epoch_audio = sum(c.duration for c in train_cuts)
    progress = Progress(epoch_audio * (num_epochs - start_epoch + 1))
    done_audio = 0.0
    wall_before = history[-1]["train_wall_s"] if history else 0.0
    for epoch in range(start_epoch, num_epochs + 1):
        epoch_start = time.time()
        augment = epoch >= cfg.train.augment_start_epoch
        seed = epoch_seed(cfg.train.seed, epoch, dist_info.rank)
        fix_random_seed(seed)
        train_dl = train_dataloader(
            train_cuts, cfg.train, noise_cuts, dist_info.world_size, dist_info.rank, augment, augment_seed=seed
        )
        train_dl.sampler.set_epoch(epoch)
        model.train()
        tot_loss, tot_frames, num_cuts = 0.0, 0, 0
        for batch_idx, batch in enumerate(train_dl):
            result = train_step(ddp_model, optimizer, scaler, batch, tokenizer, device, cfg.train, step, args.use_amp)
            if result is None:
                logging.warning(f"epoch {epoch} batch {batch_idx}: non-finite loss or gradient, batch skipped")
                continue
            loss, frames, cuts = result
            step += 1
            tot_loss, tot_frames, num_cuts = tot_loss + loss, tot_frames + frames, num_cuts + cuts
            done_audio += sum(c.duration for c in batch["supervisions"]["cut"]) * dist_info.world_size
            if batch_idx % cfg.train.log_interval == 0:
                logging.info(
                    f"epoch {epoch} batch {batch_idx} step {step}: loss {loss / frames:.4f} "
                    f"(epoch avg {tot_loss / max(tot_frames, 1):.4f}) lr {learning_rate(cfg.train, step):.2e} "
                    f"| {progress.eta_str(done_audio)}"
                )
        train_loss = tot_loss / max(tot_frames, 1)
        logging.info(f"rank {dist_info.rank} of {dist_info.world_size}: epoch {epoch} trained on {num_cuts} cuts")
        if dist_info.is_main:
            valid_loss = compute_validation_loss(model, dev_dl, tokenizer, device)
            wall_before += time.time() - epoch_start
            history.append(
                {
                    "epoch": epoch,
                    "step": step,
                    "train_loss": train_loss,
                    "valid_loss": valid_loss,
                    "train_wall_s": wall_before,
                    "device": device_name(device, dist_info.world_size, args.use_amp),
                }
            )
            logging.info(f"epoch {epoch} done: train loss {train_loss:.4f}, valid loss {valid_loss:.4f}")
            save_checkpoint(
                exp_dir / f"epoch-{epoch}.pt",
                model=model.state_dict(),
                optimizer=optimizer.state_dict(),
                grad_scaler=scaler.state_dict(),
                epoch=epoch,
                step=step,
                history=history,
                vocab_size=tokenizer.vocab_size,
            )
            write_history(exp_dir, history)
        if dist_info.world_size > 1:
            torch.distributed.barrier()


def device_name(device: torch.device, world_size: int, use_amp: bool) -> str:
    name = f"{device.type} x{world_size}"
    if device.type == "cuda":
        name += f" {torch.cuda.get_device_name(device)}"
    return name + (f" amp {str(amp_dtype(device)).replace('torch.', '')}" if use_amp else "")


def write_history(exp_dir: Path, history: List[Dict]) -> None:
    with open(exp_dir / "log" / "loss.tsv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(history[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(history)
    plot_loss_curves(history, exp_dir / "loss.png")


def main() -> None:
    args = get_parser().parse_args()
    dist_info = setup_dist(args.device)
    try:
        train(args, dist_info)
    finally:
        cleanup_dist(dist_info)


if __name__ == "__main__":
    run_main(main)
