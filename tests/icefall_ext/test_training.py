"""The trainer with a toy loss: it trains through any (model, batch) -> (loss, frames) function, a
run stopped after one epoch and resumed ends with exactly the weights of an uninterrupted run, and a
run killed after its last checkpoint gets its loss TSV and plot back, and loses its temporary files,
at the next start."""
from pathlib import Path

import numpy as np
import pytest
import torch
from lhotse import CutSet, Features
from lhotse.features.io import MemoryRawWriter
from lhotse.testing.dummies import dummy_cut, dummy_supervision

from icefall_ext import training
from icefall_ext.asr_config import TrainConfig
from icefall_ext.models.transducer import TransducerConfig
from icefall_ext.training import (
    PrunedTransducerLoss,
    TrainingRun,
    TransducerLoss,
    fit,
    make_scaler,
    make_transducer_loss,
    pruned_loss_scales,
    train_step,
)
from recipe_common.checkpoint import load_checkpoint
from recipe_common.dist import DistInfo
from recipe_common.io import read_tsv


NUM_BINS = 8


def toy_cuts(n: int) -> CutSet:
    """One-second cuts with random in-memory features and a transcript."""
    writer, rng, cuts = MemoryRawWriter(), np.random.RandomState(0), []
    for i in range(n):
        cut = dummy_cut(i, duration=1.0, supervisions=[dummy_supervision(i, start=0.0, duration=1.0, text="x")])
        cut.features = Features(
            type="fbank", num_frames=100, num_features=NUM_BINS, frame_shift=0.01, sampling_rate=16000, start=0.0,
            duration=1.0, storage_type=writer.name, storage_path="", channels=0,
            storage_key=writer.write(cut.id, rng.randn(100, NUM_BINS).astype(np.float32)),
        )
        cuts.append(cut)
    return CutSet.from_cuts(cuts)


class ToyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(NUM_BINS, 1)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.proj(feats).squeeze(-1)


def toy_loss(model: torch.nn.Module, batch) -> tuple:
    """Squared distance of every frame's output from 1, summed, and the frame count."""
    out = model(batch["inputs"])
    return ((out - 1.0) ** 2).sum(), torch.tensor(out.numel())


def make_run(exp_dir: Path, num_epochs: int, init_calls: list) -> TrainingRun:
    torch.manual_seed(0)
    cuts = toy_cuts(12)
    cfg = TrainConfig(num_epochs=3, max_duration=3.0, num_buckets=2, warmup_steps=2, lr_steps=10, base_lr=1e-2,
                      augment_start_epoch=100, log_interval=1)
    return TrainingRun(model=ToyModel(), loss_fn=toy_loss, train_cuts=cuts, dev_cuts=cuts.subset(first=4), cfg=cfg,
                       exp_dir=exp_dir, device=torch.device("cpu"), dist_info=DistInfo(1, 0, 0), num_epochs=num_epochs,
                       checkpoint_extra={"note": "toy"})


def test_resumed_training_reproduces_the_uninterrupted_weights(tmp_path):
    calls: list = []
    straight = fit(make_run(tmp_path / "a", 2, calls), init_model=lambda m: calls.append("a"))
    fit(make_run(tmp_path / "b", 1, calls), init_model=lambda m: calls.append("b"))
    resumed = fit(make_run(tmp_path / "b", 2, calls), init_model=lambda m: calls.append("b-again"))
    assert calls == ["a", "b"]  # init_model runs on a fresh start only
    assert straight.step == resumed.step > 0
    a, b = load_checkpoint(tmp_path / "a" / "epoch-2.pt"), load_checkpoint(tmp_path / "b" / "epoch-2.pt")
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    assert a["note"] == "toy" and [h["epoch"] for h in b["history"]] == [1, 2]
    assert (tmp_path / "b" / "log" / "loss.tsv").read_text().count("\n") == 3 and (tmp_path / "b" / "loss.png").is_file()


def test_the_loss_goes_down_and_a_finished_training_does_nothing(tmp_path):
    state = fit(make_run(tmp_path, 3, []))
    losses = [h["train_loss"] for h in state.history]
    assert losses[-1] < losses[0]
    mtime = (tmp_path / "epoch-3.pt").stat().st_mtime
    again = fit(make_run(tmp_path, 3, []))
    assert again.epoch == 3 and (tmp_path / "epoch-3.pt").stat().st_mtime == mtime


def test_a_non_finite_loss_skips_the_step(tmp_path):
    def nan_loss(model, batch):
        loss, frames = toy_loss(model, batch)
        return loss * float("nan"), frames

    run = make_run(tmp_path, 1, [])
    run.loss_fn = nan_loss
    before = {k: v.clone() for k, v in run.model.state_dict().items()}
    state = fit(run)
    assert state.step == 0
    for key, value in run.model.state_dict().items():
        assert torch.equal(value, before[key])


class Killed(BaseException):
    """The process dying at this point (nothing after it runs, no handler catches it)."""


@pytest.mark.parametrize("rerun_epochs", [2, 3])  # the same training re-run, or resumed for one more epoch
def test_a_kill_after_the_last_checkpoint_leaves_no_plot_missing_nor_temporary_files(tmp_path, monkeypatch, rerun_epochs):
    real_write_history = training.write_history

    def killed_at_epoch_2(exp_dir, history):
        if len(history) == 2:
            (exp_dir / ".epoch-2.pt.k1ll3d0x.tmp.pt").write_bytes(b"half a checkpoint")  # an earlier killed save
            raise Killed
        real_write_history(exp_dir, history)

    monkeypatch.setattr(training, "write_history", killed_at_epoch_2)
    with pytest.raises(Killed):
        fit(make_run(tmp_path, 2, []))
    assert (tmp_path / "epoch-2.pt").is_file() and len(read_tsv(tmp_path / "log" / "loss.tsv")) == 1
    monkeypatch.setattr(training, "write_history", real_write_history)
    rows_seen_at_start = []
    monkeypatch.setattr(training, "train_one_epoch", lambda *a: (rows_seen_at_start.append(
        len(read_tsv(tmp_path / "log" / "loss.tsv"))) or (0.5, 0.0)))
    (tmp_path / "loss.png").unlink()
    fit(make_run(tmp_path, rerun_epochs, []))
    assert rows_seen_at_start == ([2] if rerun_epochs == 3 else [])  # restored before any training
    assert [int(r["epoch"]) for r in read_tsv(tmp_path / "log" / "loss.tsv")] == list(range(1, rerun_epochs + 1))
    assert (tmp_path / "loss.png").is_file() and not list(tmp_path.glob(".*.tmp*"))


def test_pruned_loss_scales_follow_icefalls_warm_up():
    """icefall's compute_loss with warm_step 2000, simple_loss_scale 0.5: the simple loss's scale
    falls from 1.0 and the pruned loss's rises from 0.1, linearly in batch_idx_train."""
    cfg = TransducerConfig(loss="pruned", simple_loss_scale=0.5, warm_step=2000)
    assert pruned_loss_scales(cfg, 1) == pytest.approx((1.0 - 0.5 / 2000, 0.1 + 0.9 / 2000))
    assert pruned_loss_scales(cfg, 1000) == pytest.approx((0.75, 0.55))
    assert pruned_loss_scales(cfg, 2000) == (0.5, 1.0) == pruned_loss_scales(cfg, 10**6)
    assert pruned_loss_scales(TransducerConfig(warm_step=0), 1) == (0.5, 1.0)


class FakeTokenizer:
    def encode(self, text: str):
        return [1] * len(text)


class FakePrunedModel(torch.nn.Module):
    """Returns fixed simple / pruned / CTC losses, scaled by one parameter."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(1.0))

    def forward(self, feats, x_lens, y, y_lens):
        return {"simple": 10.0 * self.w, "pruned": 100.0 * self.w, "ctc": 1000.0 * self.w, "frames": x_lens.sum()}


def test_the_trainer_tells_the_pruned_loss_its_step(tmp_path):
    cfg = TransducerConfig(loss="pruned", simple_loss_scale=0.5, warm_step=4, ctc_loss_scale=0.2)
    loss_fn = make_transducer_loss(cfg, FakeTokenizer(), torch.device("cpu"))
    assert isinstance(loss_fn, PrunedTransducerLoss)
    assert isinstance(make_transducer_loss(TransducerConfig(), FakeTokenizer(), torch.device("cpu")), TransducerLoss)
    batch = {"inputs": torch.zeros(1, 5, NUM_BINS), "supervisions": {
        "sequence_idx": torch.tensor([0]), "start_frame": torch.tensor([0]), "num_frames": torch.tensor([5]), "text": ["ab"]}}
    model = FakePrunedModel()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    train_cfg = TrainConfig(base_lr=0.0)  # the weight stays 1
    for step, (simple, pruned) in enumerate([(1 - 0.5 / 4, 0.1 + 0.9 / 4), (0.75, 0.55), (1 - 1.5 / 4, 0.1 + 2.7 / 4), (0.5, 1.0)]):
        loss, frames, _ = train_step(model, loss_fn, opt, make_scaler(torch.device("cpu"), False), batch, train_cfg, step,
                                     torch.device("cpu"))
        assert loss == pytest.approx(10 * simple + 100 * pruned + 0.2 * 1000) and frames == 5


def test_resuming_with_another_model_section_is_one_line_naming_the_key(tmp_path):
    """Today load_state_dict's 60-line size-mismatch traceback; icefall has no check either."""
    import dataclasses

    import pytest

    from recipe_common.errors import InputError

    run = make_run(tmp_path, 1, [])
    run.config_sections = {"model": {"encoder": {"d_model": 32, "num_layers": 1}}}
    fit(run)
    bigger = dataclasses.replace(make_run(tmp_path, 2, []), config_sections={"model": {"encoder": {"d_model": 64,
                                                                                               "num_layers": 1}}})
    with pytest.raises(InputError) as e:
        fit(bigger)
    message = str(e.value)
    assert "\n" not in message and "model.encoder.d_model = 32, the config now has 64" in message
    assert str(tmp_path) in message and not (tmp_path / "epoch-2.pt").exists()
