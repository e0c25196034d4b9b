"""The trainer with a toy loss: it trains through any (model, batch) -> (loss, frames) function, and
a run stopped after one epoch and resumed ends with exactly the weights of an uninterrupted run."""
from pathlib import Path

import numpy as np
import torch
from lhotse import CutSet, Features
from lhotse.features.io import MemoryRawWriter
from lhotse.testing.dummies import dummy_cut, dummy_supervision

from icefall_ext.asr_config import TrainConfig
from icefall_ext.training import TrainingRun, fit
from recipe_common.checkpoint import load_checkpoint
from recipe_common.dist import DistInfo


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
