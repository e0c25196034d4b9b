"""The epoch loop of every speech training recipe, with the loss as a parameter (icefall's
train.py pieces: `compute_loss`, `train_one_epoch`, `compute_validation_loss`, then `fit`).

A loss function takes (model, batch) and returns (summed loss, frames it covers); one that follows
a schedule also has `set_step(step)`, which the trainer calls before each batch. Fine-tuning with
another criterion (ILMA, MWER) is another loss function passed to the same `fit`, which keeps
resuming from the last `epoch-N.pt`, per-epoch seeding, progress with ETA, DDP under torchrun,
AMP, and the loss TSV and PNG under exp_dir/log.
"""
import csv
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch
from lhotse import CutSet
from torch.nn.parallel import DistributedDataParallel as DDP

from icefall_ext.asr_config import TrainConfig
from icefall_ext.data.datamodule import eval_dataloader, train_dataloader
from icefall_ext.models.transducer import TransducerConfig
from icefall_ext.optim import learning_rate, make_optimizer, set_learning_rate
from icefall_ext.tokens.bpe import Tokenizer
from recipe_common.checkpoint import check_same_config, latest_epoch, load_checkpoint, save_checkpoint
from recipe_common.dist import DistInfo
from recipe_common.errors import InputError
from recipe_common.io import atomic_path, read_tsv, remove_leftover_temp_files
from recipe_common.logging import Progress
from recipe_common.plot import plot_loss_curves
from recipe_common.seed import epoch_seed, fix_random_seed

LossFunction = Callable[[torch.nn.Module, Dict], Tuple[torch.Tensor, torch.Tensor]]


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


def batch_to_inputs(batch: Dict, tokenizer: Tokenizer, device: torch.device) -> Tuple[torch.Tensor, ...]:
    """A K2SpeechRecognitionDataset batch -> features (N, T, F), lengths, token ids (N, U) padded with -1, lengths."""
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


class TransducerLoss:
    """icefall's compute_loss for the transducer: RNN-T plus `ctc_loss_scale` times the auxiliary CTC."""

    def __init__(self, tokenizer: Tokenizer, ctc_loss_scale: float, device: torch.device):
        self.tokenizer, self.ctc_loss_scale, self.device = tokenizer, ctc_loss_scale, device

    def __call__(self, model: torch.nn.Module, batch: Dict) -> Tuple[torch.Tensor, torch.Tensor]:
        out = model(*batch_to_inputs(batch, self.tokenizer, self.device))
        loss = out["rnnt"]
        if "ctc" in out:
            loss = loss + self.ctc_loss_scale * out["ctc"]
        return loss, out["frames"]


def pruned_loss_scales(cfg: TransducerConfig, batch_idx_train: int) -> Tuple[float, float]:
    """(simple, pruned) loss scales of icefall's compute_loss: over the first `warm_step` batches
    the simple loss's falls linearly from 1.0 to simple_loss_scale and the pruned loss's rises
    from 0.1 to 1.0. batch_idx_train counts the batch in hand (1 for the first), as icefall's."""
    if batch_idx_train >= cfg.warm_step:
        return cfg.simple_loss_scale, 1.0
    frac = batch_idx_train / cfg.warm_step
    return 1.0 - frac * (1.0 - cfg.simple_loss_scale), 0.1 + 0.9 * frac


class PrunedTransducerLoss(TransducerLoss):
    """icefall's compute_loss with the pruned RNN-T loss (model.loss: pruned): the simple and the
    pruned loss weighted by the warm-up schedule, plus the auxiliary CTC. Validation uses the
    scales of the last training step, as icefall's does."""

    def __init__(self, tokenizer: Tokenizer, cfg: TransducerConfig, device: torch.device):
        super().__init__(tokenizer, cfg.ctc_loss_scale, device)
        self.cfg, self.step = cfg, 0

    def set_step(self, step: int) -> None:
        """step: optimizer steps taken before this batch."""
        self.step = step

    def __call__(self, model: torch.nn.Module, batch: Dict) -> Tuple[torch.Tensor, torch.Tensor]:
        out = model(*batch_to_inputs(batch, self.tokenizer, self.device))
        simple_scale, pruned_scale = pruned_loss_scales(self.cfg, self.step + 1)
        loss = simple_scale * out["simple"] + pruned_scale * out["pruned"]
        if "ctc" in out:
            loss = loss + self.ctc_loss_scale * out["ctc"]
        return loss, out["frames"]


def make_transducer_loss(cfg: TransducerConfig, tokenizer: Tokenizer, device: torch.device) -> LossFunction:
    """The training loss that model.loss names."""
    if cfg.loss == "pruned":
        return PrunedTransducerLoss(tokenizer, cfg, device)
    return TransducerLoss(tokenizer, cfg.ctc_loss_scale, device)


def flush_denormals() -> None:
    """Computes subnormal floats as zero on CPU: on FSDD, one seed's steps ran five times
    slower without it, once values had decayed into the subnormal range."""
    torch.set_flush_denormal(True)


def amp_dtype(device: torch.device) -> torch.dtype:
    """Mixed precision: float16 (with loss scaling) on CUDA, bfloat16 on CPU."""
    return torch.float16 if device.type == "cuda" else torch.bfloat16


def make_scaler(device: torch.device, use_amp: bool) -> torch.amp.GradScaler:
    """Loss scaling for float16 on CUDA; bfloat16 (CPU) needs none, and a disabled scaler is a no-op."""
    return torch.amp.GradScaler(device.type, enabled=use_amp and device.type == "cuda")


def train_step(
    model: torch.nn.Module,
    loss_fn: LossFunction,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    batch: Dict,
    cfg: TrainConfig,
    step: int,
    device: torch.device,
    use_amp: bool = False,
) -> Optional[Tuple[float, int, int]]:
    """One optimizer step: (summed loss, frames, utterances), or None when it was skipped for a
    non-finite loss or gradient. use_amp: autocast to amp_dtype(device)."""
    set_learning_rate(optimizer, learning_rate(cfg, step))
    if hasattr(loss_fn, "set_step"):
        loss_fn.set_step(step)
    with torch.autocast(device.type, dtype=amp_dtype(device), enabled=use_amp):
        loss, frames = loss_fn(model, batch)
    num_utts = batch["inputs"].shape[0]
    optimizer.zero_grad()
    scaler.scale(loss / num_utts).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
    if not math.isfinite(loss.item()) or not math.isfinite(float(grad_norm)):
        scaler.update()  # a float16 overflow lowers the loss scale
        return None
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), int(frames), num_utts


@torch.no_grad()
def compute_validation_loss(model: torch.nn.Module, dl, loss_fn: LossFunction) -> float:
    """Loss per frame over `dl`, in eval mode."""
    model.eval()
    total, frames = 0.0, 0
    for batch in dl:
        loss, n = loss_fn(model, batch)
        total, frames = total + loss.item(), frames + int(n)
    model.train()
    return total / max(frames, 1)


@dataclass
class TrainState:
    """What a checkpoint holds beside the weights, so that a resumed run continues exactly."""

    epoch: int = 0
    step: int = 0
    history: List[Dict[str, Any]] = field(default_factory=list)


@dataclass
class TrainingRun:
    """Everything `fit` needs: the model, its loss, the data and where to write."""

    model: torch.nn.Module
    loss_fn: LossFunction
    train_cuts: CutSet
    dev_cuts: CutSet
    cfg: TrainConfig
    exp_dir: Path
    device: torch.device
    dist_info: DistInfo
    noise_cuts: Optional[CutSet] = None
    use_amp: bool = False
    num_epochs: Optional[int] = None  # default: cfg.num_epochs
    eval_max_duration: float = 300.0
    checkpoint_extra: Dict[str, Any] = field(default_factory=dict)  # saved in every checkpoint
    # Config sections that shape the weights ({"model": {...}}): saved as the checkpoint's "config"
    # and compared when resuming, so that another model size is one line, not a load_state_dict trace.
    config_sections: Dict[str, Any] = field(default_factory=dict)


def train_one_epoch(run: TrainingRun, ddp_model, optimizer, scaler, state: TrainState, progress: Progress,
                    done_audio: float) -> Tuple[float, float]:
    """(train loss per frame, audio seconds done so far) after one pass over the training cuts."""
    epoch, cfg, dist_info = state.epoch, run.cfg, run.dist_info
    seed = epoch_seed(cfg.seed, epoch, dist_info.rank)
    fix_random_seed(seed)
    augment = epoch >= cfg.augment_start_epoch
    train_dl = train_dataloader(
        run.train_cuts, cfg, run.noise_cuts, dist_info.world_size, dist_info.rank, augment, augment_seed=seed
    )
    train_dl.sampler.set_epoch(epoch)
    run.model.train()
    tot_loss, tot_frames, num_cuts = 0.0, 0, 0
    for batch_idx, batch in enumerate(train_dl):
        result = train_step(ddp_model, run.loss_fn, optimizer, scaler, batch, cfg, state.step, run.device, run.use_amp)
        if result is None:
            logging.warning(f"epoch {epoch} batch {batch_idx}: non-finite loss or gradient, batch skipped")
            continue
        loss, frames, cuts = result
        state.step += 1
        tot_loss, tot_frames, num_cuts = tot_loss + loss, tot_frames + frames, num_cuts + cuts
        done_audio += sum(c.duration for c in batch["supervisions"]["cut"]) * dist_info.world_size
        if batch_idx % cfg.log_interval == 0:
            logging.info(
                f"epoch {epoch} batch {batch_idx} step {state.step}: loss {loss / frames:.4f} "
                f"(epoch avg {tot_loss / max(tot_frames, 1):.4f}) lr {learning_rate(cfg, state.step):.2e} "
                f"| {progress.eta_str(done_audio)}"
            )
    logging.info(f"rank {dist_info.rank} of {dist_info.world_size}: epoch {epoch} trained on {num_cuts} cuts")
    return tot_loss / max(tot_frames, 1), done_audio


def fit(run: TrainingRun, init_model: Optional[Callable[[torch.nn.Module], None]] = None) -> TrainState:
    """Trains `run.model` (already on run.device) up to the configured epoch, resuming from the last
    epoch-N.pt in run.exp_dir; init_model(model) is called only on a fresh start (e.g. feature statistics,
    or the weights a fine-tuning starts from). A finished training returns at once."""
    cfg, exp_dir, dist_info = run.cfg, run.exp_dir, run.dist_info
    num_epochs = run.num_epochs or cfg.num_epochs
    last = latest_epoch(exp_dir)
    if dist_info.is_main:
        remove_leftover_temp_files(exp_dir, exp_dir / "log")
    ckpt = None
    if last is not None:
        path = exp_dir / f"epoch-{last}.pt"
        ckpt = load_checkpoint(path)
        check_same_config(path, ckpt.get("config"), run.config_sections)
    if last is not None and last >= num_epochs:
        logging.info(f"{exp_dir}/epoch-{last}.pt exists: training already finished")
        history = ckpt.get("history", [])
        if dist_info.is_main:
            restore_history(exp_dir, history)
        return TrainState(last, 0, history)
    optimizer = make_optimizer(run.model, cfg)
    scaler = make_scaler(run.device, run.use_amp)
    state = TrainState()
    if ckpt is not None:
        try:
            run.model.load_state_dict(ckpt["model"])
        except RuntimeError as e:  # a checkpoint saved before "config" was recorded
            lines = [line.strip() for line in str(e).splitlines()[1:] if line.strip()] or [str(e)]
            raise InputError(f"{exp_dir}/epoch-{last}.pt: does not fit the model of the config "
                             f"({lines[0]}); use another --exp-dir")
        optimizer.load_state_dict(ckpt["optimizer"])
        if ckpt.get("grad_scaler"):
            scaler.load_state_dict(ckpt["grad_scaler"])
        state = TrainState(last, ckpt["step"], ckpt.get("history", []))
        logging.info(f"resuming from {exp_dir}/epoch-{last}.pt (step {state.step})")
        if dist_info.is_main:
            restore_history(exp_dir, state.history)
    elif init_model is not None:
        init_model(run.model)
    ddp_model = DDP(run.model) if dist_info.world_size > 1 else run.model

    dev_dl = eval_dataloader(run.dev_cuts, run.eval_max_duration)
    epoch_audio = sum(c.duration for c in run.train_cuts)
    progress = Progress(epoch_audio * (num_epochs - state.epoch))
    done_audio = 0.0
    wall_before = state.history[-1]["train_wall_s"] if state.history else 0.0
    while state.epoch < num_epochs:
        state.epoch += 1
        epoch_start = time.time()
        train_loss, done_audio = train_one_epoch(run, ddp_model, optimizer, scaler, state, progress, done_audio)
        if dist_info.is_main:
            valid_loss = compute_validation_loss(run.model, dev_dl, run.loss_fn)
            wall_before += time.time() - epoch_start
            state.history.append(
                {
                    "epoch": state.epoch,
                    "step": state.step,
                    "train_loss": train_loss,
                    "valid_loss": valid_loss,
                    "train_wall_s": wall_before,
                    "device": device_name(run.device, dist_info.world_size, run.use_amp),
                }
            )
            logging.info(f"epoch {state.epoch} done: train loss {train_loss:.4f}, valid loss {valid_loss:.4f}")
            save_checkpoint(
                exp_dir / f"epoch-{state.epoch}.pt",
                model=run.model.state_dict(),
                optimizer=optimizer.state_dict(),
                grad_scaler=scaler.state_dict(),
                epoch=state.epoch,
                step=state.step,
                history=state.history,
                config=run.config_sections,
                **run.checkpoint_extra,
            )
            write_history(exp_dir, state.history)
        if dist_info.world_size > 1:
            torch.distributed.barrier()
    return state


def device_name(device: torch.device, world_size: int, use_amp: bool) -> str:
    name = f"{device.type} x{world_size}"
    if device.type == "cuda":
        name += f" {torch.cuda.get_device_name(device)}"
    return name + (f" amp {str(amp_dtype(device)).replace('torch.', '')}" if use_amp else "")


def write_history(exp_dir: Path, history: List[Dict]) -> None:
    """exp_dir/log/loss.tsv (one row per epoch) and exp_dir/loss.png."""
    with atomic_path(exp_dir / "log" / "loss.tsv") as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(history[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(history)
    plot_loss_curves(history, exp_dir / "loss.png")


def restore_history(exp_dir: Path, history: List[Dict]) -> None:
    """Rewrites loss.tsv and loss.png from the last checkpoint's history where a run was killed after
    that checkpoint but before them (the TSV lacks epochs, or the plot is missing or older)."""
    tsv, png = exp_dir / "log" / "loss.tsv", exp_dir / "loss.png"
    if history and (len(read_tsv(tsv)) != len(history) or not png.is_file() or png.stat().st_mtime < tsv.stat().st_mtime):
        logging.info(f"{tsv}, {png}: rewritten from the history of the last checkpoint")
        write_history(exp_dir, history)
