"""SURT training's data and loss: the mixtures batched by lhotse with HEAT targets and, under a
penalty, each channel's reference end; the loss falls over a few steps on one batch."""
import dataclasses

import torch
from lhotse import Fbank, FbankConfig, NumpyFilesWriter
from lhotse.supervision import AlignmentItem

from icefall_ext.asr_config import AsrRecipeConfig, SurtRecipeConfig
from icefall_ext.data.mixtures import MixtureConfig, mix_split
from icefall_ext.models.surt import MaskerConfig
from icefall_ext.surt_training import MixtureBatches, SurtLoss, surt_model_config
from tests.icefall_ext.data.mixture_sources import SR, make_cuts
from tests.icefall_ext.models.surt_toy import V, surt_model, transducer_config


def encode(text):
    return [1 + (ord(ch) % (V - 1)) for ch in text.replace(" ", "")][:6]


def mixtures(tmp_path):
    sources = make_cuts(tmp_path, "train", ["ann", "bob", "cat"], per_speaker=2)
    sources = sources.compute_and_store_features(Fbank(FbankConfig(num_mel_bins=20, sampling_rate=SR)),
                                                 tmp_path / "fbank", storage_type=NumpyFilesWriter)
    for cut in sources:
        cut.supervisions[0].alignment = {"word": [AlignmentItem("W", 0.0, cut.duration - 0.2)]}
    return mix_split(sources, MixtureConfig(seed=0), "train")


def test_batches_and_a_falling_loss(tmp_path):
    cuts = mixtures(tmp_path)
    cfg = AsrRecipeConfig(model=transducer_config(), surt=SurtRecipeConfig(masker=MaskerConfig(hidden_dim=16), max_duration=100))
    assert surt_model_config(cfg).masker.hidden_dim == 16 and surt_model_config(cfg).transducer == cfg.model
    data = MixtureBatches(cuts, cuts, encode, cfg, with_eos_ends=True)
    batches = list(data.train_batches(epoch=1, seed=0))
    assert sum(b["inputs"].shape[0] for b in batches) == len(cuts) and data.dropped == 0
    assert sum(data.batch_amount(b) for b in batches) == sum(c.duration for c in cuts) == data.epoch_amount()
    dev = data.dev_batches()
    assert [sum(b["inputs"].shape[0] for b in dev) for _ in range(2)] == [len(cuts)] * 2  # iterable once per epoch
    batch = batches[0]
    assert batch["surt"].eos_ref_frames.shape == (2, batch["inputs"].shape[0])

    model = surt_model().train()
    model.asr.cfg = dataclasses.replace(model.asr.cfg, eos_penalty=dataclasses.replace(model.asr.cfg.eos_penalty, late_scale=1.0))
    loss_fn = SurtLoss(torch.device("cpu"), with_eos_ends=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(8):
        loss, frames = loss_fn(model, batch)
        assert int(frames) > 0
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    assert losses[-1] < 0.9 * losses[0]
