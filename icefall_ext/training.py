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
from typing import Any, Callable, Dict, Iterable, List, Optional, Protocol, Tuple

import torch
from lhotse import CutSet
from torch.nn.parallel import DistributedDataParallel as DDP

from icefall_ext.asr_config import TrainConfig
from icefall_ext.data.datamodule import eval_dataloader, train_dataloader
from icefall_ext.losses.eos_latency import reference_end_frames
from icefall_ext.models.subsampling import SUBSAMPLING_FACTOR
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


def batch_texts(batch: Dict) -> List[str]:
    """The transcripts of a K2SpeechRecognitionDataset batch in the order of its rows."""
    sup = batch["supervisions"]
    texts: List[str] = [""] * batch["inputs"].shape[0]
    for i, text in zip(sup["sequence_idx"].tolist(), sup["text"]):
        texts[i] = text
    return texts


def batch_to_inputs(batch: Dict, tokenizer: Tokenizer, device: torch.device) -> Tuple[torch.Tensor, ...]:
    """A K2SpeechRecognitionDataset batch -> features (N, T, F), lengths, token ids (N, U) padded with -1, lengths."""
    feats = batch["inputs"].to(device)
    sup = batch["supervisions"]
    x_lens = torch.zeros(feats.shape[0], dtype=torch.long)
    x_lens[sup["sequence_idx"]] = (sup["start_frame"] + sup["num_frames"]).long()
    ids = [tokenizer.encode(t) for t in batch_texts(batch)]
    y_lens = torch.tensor([len(t) for t in ids], dtype=torch.long)
    y = torch.full((len(ids), max(1, int(y_lens.max()))), -1, dtype=torch.long)
    for i, t in enumerate(ids):
        y[i, : len(t)] = torch.tensor(t, dtype=torch.long)
    return feats, x_lens.to(device), y.to(device), y_lens.to(device)


class TransducerLoss:
    """icefall's compute_loss for the transducer: RNN-T plus `ctc_loss_scale` times the auxiliary CTC,
    plus `ilmt_loss_scale` times the internal LM's cross-entropy (ILMT) where the model returns it;
    with `eos_penalty` the RNN-T lattice charges <eos> emitted away from each cut's aligned end."""

    def __init__(self, tokenizer: Tokenizer, ctc_loss_scale: float, device: torch.device, ilmt_loss_scale: float = 0.0,
                 eos_penalty: bool = False):
        self.tokenizer, self.ctc_loss_scale, self.device = tokenizer, ctc_loss_scale, device
        self.ilmt_loss_scale = ilmt_loss_scale
        if eos_penalty and tokenizer.eos_id is None:
            raise InputError("model.eos_penalty charges the <eos> emission, but the BPE model has no <eos> (tokens.eos: true)")
        self.eos_penalty = eos_penalty

    def eos_ref_frames(self, batch: Dict) -> Optional[torch.Tensor]:
        """Each row's reference end frame for the <eos> penalty (None without it)."""
        if not self.eos_penalty:
            return None
        sup = batch["supervisions"]
        frames = reference_end_frames(sup["cut"], SUBSAMPLING_FACTOR)
        rows = torch.empty_like(frames)
        rows[sup["sequence_idx"]] = frames
        return rows.to(self.device)

    def auxiliary_losses(self, out: Dict[str, torch.Tensor]) -> torch.Tensor:
        """The weighted CTC and internal-LM losses of a model output (0 where it has neither)."""
        loss = torch.zeros((), device=out["frames"].device)
        if "ctc" in out:
            loss = loss + self.ctc_loss_scale * out["ctc"]
        if "ilm" in out:
            loss = loss + self.ilmt_loss_scale * out["ilm"]
        return loss

    def __call__(self, model: torch.nn.Module, batch: Dict) -> Tuple[torch.Tensor, torch.Tensor]:
        out = model(*batch_to_inputs(batch, self.tokenizer, self.device), eos_ref_frames=self.eos_ref_frames(batch))
        return out["rnnt"] + self.auxiliary_losses(out), out["frames"]


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
        super().__init__(tokenizer, cfg.ctc_loss_scale, device, cfg.ilmt_loss_scale)
        self.cfg, self.step = cfg, 0

    def set_step(self, step: int) -> None:
        """step: optimizer steps taken before this batch."""
        self.step = step

    def __call__(self, model: torch.nn.Module, batch: Dict) -> Tuple[torch.Tensor, torch.Tensor]:
        out = model(*batch_to_inputs(batch, self.tokenizer, self.device))
        simple_scale, pruned_scale = pruned_loss_scales(self.cfg, self.step + 1)
        return simple_scale * out["simple"] + pruned_scale * out["pruned"] + self.auxiliary_losses(out), out["frames"]


def make_transducer_loss(cfg: TransducerConfig, tokenizer: Tokenizer, device: torch.device) -> LossFunction:
    """The training loss that model.loss names."""
    if cfg.loss == "pruned":
        return PrunedTransducerLoss(tokenizer, cfg, device)
    return TransducerLoss(tokenizer, cfg.ctc_loss_scale, device, cfg.ilmt_loss_scale, cfg.eos_penalty.active)


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


class BatchSource(Protocol):
    """What `fit` trains and validates on. Progress and ETA count `amount`s: seconds of audio for
    cuts, sentences for text. Every batch holds its utterances' "inputs" (N, ...)."""

    def train_batches(self, epoch: int, seed: int) -> Iterable[Dict]:
        """This rank's share of one epoch, shuffled with `seed` (per epoch and rank)."""

    def dev_batches(self) -> Iterable[Dict]:
        """Validation batches, iterable once per epoch."""

    def epoch_amount(self) -> float:
        """The amount of one epoch over all ranks."""

    def batch_amount(self, batch: Dict) -> float:
        """The amount of one of this rank's batches."""


@dataclass
class TrainingRun:
    """Everything `fit` needs: the model, its loss, the data and where to write. The data are
    train_cuts/dev_cuts (audio), or `batches` for any other kind (text for the LM and ILMA)."""

    model: torch.nn.Module
    loss_fn: LossFunction
    cfg: TrainConfig
    exp_dir: Path
    device: torch.device
    dist_info: DistInfo
    train_cuts: Optional[CutSet] = None
    dev_cuts: Optional[CutSet] = None
    batches: Optional[BatchSource] = None
    noise_cuts: Optional[CutSet] = None
    use_amp: bool = False
    num_epochs: Optional[int] = None  # default: cfg.num_epochs
    eval_max_duration: float = 300.0
    checkpoint_extra: Dict[str, Any] = field(default_factory=dict)  # saved in every checkpoint
    # Config sections that shape the weights ({"model": {...}}): saved as the checkpoint's "config"
    # and compared when resuming, so that another model size is one line, not a load_state_dict trace.
    config_sections: Dict[str, Any] = field(default_factory=dict)
    dev_loss_fn: Optional[LossFunction] = None  # the validation criterion; default loss_fn
    # Stop once the validation loss has not improved for this many epochs (0: never); a resumed
    # run that had stopped stays stopped. best_epoch(history) names the epoch to keep.
    early_stop_patience: int = 0


class CutBatches:
    """fit's audio data: bucketed, augmented training cuts and whole dev cuts (icefall_ext.data)."""

    def __init__(self, run: TrainingRun):
        if run.train_cuts is None or run.dev_cuts is None:
            raise ValueError("a TrainingRun needs train_cuts and dev_cuts, or batches")
        self.run = run

    def train_batches(self, epoch: int, seed: int) -> Iterable[Dict]:
        run = self.run
        augment = epoch >= run.cfg.augment_start_epoch
        train_dl = train_dataloader(run.train_cuts, run.cfg, run.noise_cuts, run.dist_info.world_size,
                                    run.dist_info.rank, augment, augment_seed=seed)
        train_dl.sampler.set_epoch(epoch)
        return train_dl

    def dev_batches(self) -> Iterable[Dict]:
        return eval_dataloader(self.run.dev_cuts, self.run.eval_max_duration)

    def epoch_amount(self) -> float:
        return sum(c.duration for c in self.run.train_cuts)

    def batch_amount(self, batch: Dict) -> float:
        return sum(c.duration for c in batch["supervisions"]["cut"])


def run_batches(run: TrainingRun) -> BatchSource:
    return run.batches if run.batches is not None else CutBatches(run)


def best_epoch(history: List[Dict[str, Any]]) -> int:
    """The epoch of the lowest validation loss (the first of equals)."""
    return min(history, key=lambda h: h["valid_loss"])["epoch"]


def stopped_early(history: List[Dict[str, Any]], patience: int) -> bool:
    return patience > 0 and bool(history) and history[-1]["epoch"] - best_epoch(history) >= patience


def train_one_epoch(run: TrainingRun, ddp_model, optimizer, scaler, state: TrainState, progress: Progress,
                    done_audio: float) -> Tuple[float, float]:
    """(train loss per frame, amount done so far: audio seconds for cuts) after one pass over the training data."""
    epoch, cfg, dist_info = state.epoch, run.cfg, run.dist_info
    seed = epoch_seed(cfg.seed, epoch, dist_info.rank)
    fix_random_seed(seed)
    data = run_batches(run)
    run.model.train()
    tot_loss, tot_frames, num_cuts = 0.0, 0, 0
    for batch_idx, batch in enumerate(data.train_batches(epoch, seed)):
        result = train_step(ddp_model, run.loss_fn, optimizer, scaler, batch, cfg, state.step, run.device, run.use_amp)
        if result is None:
            logging.warning(f"epoch {epoch} batch {batch_idx}: non-finite loss or gradient, batch skipped")
            continue
        loss, frames, cuts = result
        state.step += 1
        tot_loss, tot_frames, num_cuts = tot_loss + loss, tot_frames + frames, num_cuts + cuts
        done_audio += data.batch_amount(batch) * dist_info.world_size
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
    if last is not None and (last >= num_epochs or stopped_early(ckpt.get("history", []), run.early_stop_patience)):
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

    data = run_batches(run)
    dev_dl = data.dev_batches()
    progress = Progress(data.epoch_amount() * (num_epochs - state.epoch))
    done_audio = 0.0
    wall_before = state.history[-1]["train_wall_s"] if state.history else 0.0
    while state.epoch < num_epochs:
        state.epoch += 1
        epoch_start = time.time()
        train_loss, done_audio = train_one_epoch(run, ddp_model, optimizer, scaler, state, progress, done_audio)
        if dist_info.is_main:
            valid_loss = compute_validation_loss(run.model, dev_dl, run.dev_loss_fn or run.loss_fn)
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
        stop = torch.tensor(dist_info.is_main and stopped_early(state.history, run.early_stop_patience))
        if dist_info.world_size > 1:
            stop = stop.to(run.device)
            torch.distributed.broadcast(stop, src=0)  # rank 0 alone validates
            torch.distributed.barrier()
        if stop.item():
            logging.info(f"epoch {state.epoch}: no better validation loss in {run.early_stop_patience} epochs "
                         f"(best: epoch {best_epoch(state.history)}), stopping")
            break
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
