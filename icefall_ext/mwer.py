"""MWER fine-tuning of a trained transducer (losses/mwer.py: MWER, MWER-SF, MWER-ILME) through
`training.fit`: resuming, loss TSV and plot, epoch-N.pt checkpoints of the whole transducer (what
decode and export load). Validation uses the same loss on the dev cuts. One process only: the
loss runs beam search on the model directly, not through a DDP forward."""
import dataclasses
import logging
from pathlib import Path
from typing import Optional

import torch
from lhotse import CutSet

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.lm.rnn_lm import RnnLm
from icefall_ext.losses.mwer import MwerLoss
from icefall_ext.models.transducer import Transducer
from icefall_ext.tokens.bpe import Tokenizer
from icefall_ext.training import TrainingRun, TrainState, fit
from recipe_common.dist import DistInfo


def mwer_run(model: Transducer, cfg: AsrRecipeConfig, tokenizer: Tokenizer, lm: Optional[RnnLm], train_cuts: CutSet,
             dev_cuts: CutSet, exp_dir: Path, device: torch.device) -> TrainingRun:
    """The TrainingRun fine-tuning `model` (the source transducer, on `device`) with the config's
    mwer section; its checkpoints record the model section, as bin/train.py's."""
    mwer = cfg.mwer
    train_cfg = dataclasses.replace(cfg.train, num_epochs=mwer.num_epochs, base_lr=mwer.base_lr, warmup_steps=0)
    loss_fn = MwerLoss(mwer, tokenizer, device, lm)
    return TrainingRun(
        model=model, loss_fn=loss_fn, cfg=train_cfg, exp_dir=exp_dir, device=device, dist_info=DistInfo(1, 0, 0),
        train_cuts=train_cuts, dev_cuts=dev_cuts,
        checkpoint_extra={"vocab_size": model.vocab_size, "mwer": dataclasses.asdict(mwer)},
        config_sections={"model": dataclasses.asdict(cfg.model)},
    )


def fine_tune(run: TrainingRun) -> TrainState:
    state = fit(run)
    loss_fn = run.loss_fn
    logging.info(f"MWER: {loss_fn.degenerate} of {loss_fn.utterances} N-best lists were degenerate "
                 "(one hypothesis, or equal errors: no MWER gradient)")
    return state
