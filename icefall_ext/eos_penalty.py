"""Fine-tuning an <eos> transducer with the end-of-sentence latency penalty (losses/eos_latency.py,
Li et al. 2020) at one late weight, through `training.fit` (resuming, loss TSV and plot, epoch-N.pt
checkpoints of the whole transducer). The sweep of endpointing.late_scales fine-tunes the same
source model at every weight, 0 included, so each penalised model is compared with a twin that had
the same extra training and no penalty. The cuts need word alignments (bin/align_cuts.py)."""
import dataclasses
from pathlib import Path
from typing import Optional

import torch
from lhotse import CutSet

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.losses.eos_latency import EosPenaltyConfig
from icefall_ext.models.transducer import Transducer
from icefall_ext.tokens.bpe import Tokenizer
from icefall_ext.training import TrainingRun, make_transducer_loss
from recipe_common.dist import DistInfo
from recipe_common.errors import InputError


def penalty_at(cfg: AsrRecipeConfig, late_scale: float) -> EosPenaltyConfig:
    """The penalty of the sweep point `late_scale`: endpointing's early weight and buffer, and no
    penalty at all for the unpenalised twin (late_scale 0)."""
    ep = cfg.endpointing
    if late_scale == 0:
        return EosPenaltyConfig(buffer_frames=ep.buffer_frames)
    return EosPenaltyConfig(late_scale=late_scale, early_scale=ep.early_scale, buffer_frames=ep.buffer_frames)


def eos_penalty_run(model: Transducer, cfg: AsrRecipeConfig, late_scale: float, tokenizer: Tokenizer,
                    train_cuts: CutSet, dev_cuts: CutSet, exp_dir: Path, device: torch.device,
                    noise_cuts: Optional[CutSet] = None) -> TrainingRun:
    """The TrainingRun fine-tuning `model` (the source <eos> transducer, on `device`) at late_scale;
    SpecAugment and noise from the first epoch (the source model is past the blank plateau)."""
    if tokenizer.eos_id is None:
        raise InputError("the latency penalty charges the <eos> emission, but the BPE model has no <eos> (tokens.eos: true)")
    ep = cfg.endpointing
    model.cfg = dataclasses.replace(model.cfg, eos_penalty=penalty_at(cfg, late_scale))
    train_cfg = dataclasses.replace(cfg.train, num_epochs=ep.num_epochs, base_lr=ep.base_lr, warmup_steps=0,
                                    augment_start_epoch=1)
    return TrainingRun(
        model=model, loss_fn=make_transducer_loss(model.cfg, tokenizer, device), cfg=train_cfg, exp_dir=exp_dir,
        device=device, dist_info=DistInfo(1, 0, 0), train_cuts=train_cuts, dev_cuts=dev_cuts, noise_cuts=noise_cuts,
        eval_max_duration=cfg.decode.max_duration,
        checkpoint_extra={"vocab_size": model.vocab_size, "late_scale": late_scale},
        config_sections={"model": dataclasses.asdict(model.cfg)},
    )
