"""Training SURT on two-talker mixtures through `training.fit` (resuming, loss TSV and plot,
epoch-N.pt checkpoints of the whole SURT model), started from the recipe's single-talker <eos>
transducer as icefall's SURT starts from a single-talker model. The latency-penalty sweep trains
the same start at every weight of surt.late_scales, 0 included, so each penalised model has a twin
with the same training and no penalty (as endpointing's sweep for a single talker).

The mixtures are lhotse MixedCuts of the source cuts' precomputed features (data/mixtures.py),
batched by duration with lhotse's DynamicBucketingSampler and collated by data/surt_batch.py: HEAT
targets per channel, the HEAT mask loss's source targets and, with a penalty, each channel's
reference end. Unlike icefall's SURT there is no SpecAugment or noise on the mixtures here.
"""
import dataclasses
import logging
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple

import torch
from lhotse import CutSet
from lhotse.dataset import DynamicBucketingSampler, SimpleCutSampler

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.data.surt_batch import collate_surt_batch
from icefall_ext.eos_penalty import penalty_at
from icefall_ext.models.surt import Surt, SurtConfig
from icefall_ext.models.transducer import Transducer
from icefall_ext.tokens.bpe import Tokenizer
from icefall_ext.training import TrainingRun
from recipe_common.checkpoint import averaged_model_state, resolve_epoch_avg
from recipe_common.config import load_config
from recipe_common.dist import DistInfo
from recipe_common.errors import InputError


def surt_model_config(cfg: AsrRecipeConfig) -> SurtConfig:
    """The SURT model of a recipe config: its single-talker `model` shared by the channels, and
    the masker and loss weights of its `surt` section."""
    s = cfg.surt
    return SurtConfig(transducer=cfg.model, masker=s.masker, num_channels=s.num_channels, rnnt_loss_scale=s.rnnt_loss_scale,
                      ctc_loss_scale=s.ctc_loss_scale, heat_loss_scale=s.heat_loss_scale)


class MixtureBatches:
    """fit's data for SURT: duration-bucketed training mixtures, dev mixtures in order. Each batch is
    {"inputs": features (N, T, F), "surt": SurtBatch, "duration": seconds of mixture}."""

    def __init__(self, train: CutSet, dev: CutSet, encode: Callable[[str], List[int]], cfg: AsrRecipeConfig,
                 with_eos_ends: bool):
        self.train, self.dev, self.encode, self.cfg = train, dev, encode, cfg
        self.with_eos_ends = with_eos_ends
        self.dropped = 0  # mixtures with more overlapping talkers than channels, left out (strict HEAT)

    def _batches(self, sampler) -> Iterator[Dict]:
        s = self.cfg.surt
        for cuts in sampler:
            batch = collate_surt_batch(cuts, self.encode, s.num_channels, strict=True,
                                       with_sources=s.heat_loss_scale > 0, with_eos_ends=self.with_eos_ends)
            dropped = len(cuts) if batch is None else batch.dropped
            if dropped:
                self.dropped += dropped
                logging.warning(f"{dropped} mixtures with more overlapping talkers than {s.num_channels} channels "
                                f"dropped ({self.dropped} so far)")
            if batch is not None:
                kept = set(batch.cut_ids)
                yield {"inputs": batch.features, "surt": batch,
                       "duration": sum(c.duration for c in cuts if c.id in kept)}

    def train_batches(self, epoch: int, seed: int) -> Iterable[Dict]:
        sampler = DynamicBucketingSampler(self.train, max_duration=self.cfg.surt.max_duration, shuffle=True,
                                          num_buckets=min(self.cfg.train.num_buckets, len(self.train)), seed=seed)
        sampler.set_epoch(epoch)
        return self._batches(sampler)

    def dev_batches(self) -> Iterable[Dict]:
        return _DevBatches(self)

    def epoch_amount(self) -> float:
        return sum(c.duration for c in self.train)

    def batch_amount(self, batch: Dict) -> float:
        return batch["duration"]


class _DevBatches:
    """The dev mixtures in order, iterable once per epoch."""

    def __init__(self, source: MixtureBatches):
        self.source = source

    def __iter__(self) -> Iterator[Dict]:
        return self.source._batches(SimpleCutSampler(self.source.dev, max_duration=self.source.cfg.surt.max_duration))


class SurtLoss:
    """(model, batch) -> (the weighted sum of the per-channel RNN-T and CTC losses and the HEAT mask
    loss, encoder frames over all channels); with_eos_ends: the <eos> latency penalty per channel."""

    def __init__(self, device: torch.device, with_eos_ends: bool):
        self.device, self.with_eos_ends = device, with_eos_ends

    def __call__(self, model: torch.nn.Module, batch: Dict) -> Tuple[torch.Tensor, torch.Tensor]:
        b, d = batch["surt"], self.device
        out = model(b.features.to(d), b.feature_lens.to(d), b.y.to(d), b.y_lens.to(d),
                    eos_ref_frames=b.eos_ref_frames.to(d) if self.with_eos_ends else None,
                    source_targets=None if b.source_targets is None else b.source_targets.to(d))
        return out["loss"], out["frames"]


def surt_run(source: Transducer, cfg: AsrRecipeConfig, late_scale: float, tokenizer: Tokenizer, train: CutSet,
             dev: CutSet, exp_dir: Path, device: torch.device) -> Tuple[TrainingRun, Callable[[Surt], None]]:
    """(the TrainingRun of SURT at late_scale, the init that loads `source` into a fresh start).
    The penalty is endpointing's buffer and early weight at this late weight (eos_penalty.penalty_at)."""
    if tokenizer.eos_id is None:
        raise InputError("SURT-EP ends each channel's utterances with <eos>, but the BPE model has no <eos> (tokens.eos: true)")
    model_cfg = surt_model_config(cfg)
    penalty = penalty_at(cfg, late_scale)
    model_cfg = dataclasses.replace(model_cfg, transducer=dataclasses.replace(model_cfg.transducer, eos_penalty=penalty))
    model = Surt(model_cfg, tokenizer.vocab_size, tokenizer.blank_id).to(device)
    s = cfg.surt
    train_cfg = dataclasses.replace(cfg.train, num_epochs=s.num_epochs, base_lr=s.base_lr, warmup_steps=s.warmup_steps,
                                    max_duration=s.max_duration)
    with_eos_ends = penalty.active
    run = TrainingRun(
        model=model, loss_fn=SurtLoss(device, with_eos_ends), cfg=train_cfg, exp_dir=exp_dir, device=device,
        dist_info=DistInfo(1, 0, 0), batches=MixtureBatches(train, dev, tokenizer.encode, cfg, with_eos_ends),
        checkpoint_extra={"vocab_size": tokenizer.vocab_size, "late_scale": late_scale},
        config_sections={"model": dataclasses.asdict(model_cfg)},
    )
    state = {k: v.to(device) for k, v in source.state_dict().items()}
    return run, lambda m: m.load_single_talker(state, "the single-talker source model")


def load_surt(config: Path, exp_dir: Path, bpe_model: Path, epoch: Optional[int], avg: Optional[int]
              ) -> Tuple[Surt, Tokenizer, int, int]:
    """(trained SURT in eval mode, tokenizer, epoch, avg), the last `avg` epochs up to `epoch` averaged."""
    cfg = load_config(config, AsrRecipeConfig)
    tokenizer = Tokenizer(bpe_model)
    epoch, avg = resolve_epoch_avg(exp_dir, epoch, avg, cfg.surt.avg)
    model = Surt(surt_model_config(cfg), tokenizer.vocab_size, tokenizer.blank_id)
    try:
        model.load_state_dict(averaged_model_state(exp_dir, epoch, avg))
    except RuntimeError as e:
        raise InputError(f"{exp_dir}/epoch-{epoch}.pt: does not match the SURT model in {config} ({str(e).splitlines()[0]})")
    return model.eval(), tokenizer, epoch, avg
