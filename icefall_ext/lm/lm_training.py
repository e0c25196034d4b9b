"""Training the LSTM LM with the speech recipes' trainer (`training.fit` on text batches): the same
resuming, epoch-N.pt checkpoints, loss TSV and plot as the transducer's. The validation loss is
the dev text's NLL per token (sentence ends included), so exp(valid_loss) is its perplexity."""
import dataclasses
import logging
from pathlib import Path

import torch

from icefall_ext.asr_config import LmConfig
from icefall_ext.lm.rnn_lm import RnnLm, RnnLmLoss, perplexity
from icefall_ext.training import BatchSource, TrainingRun, TrainState, best_epoch
from recipe_common.dist import DistInfo


def lm_run(cfg: LmConfig, vocab_size: int, batches: BatchSource, exp_dir: Path, device: torch.device,
           dist_info: DistInfo) -> TrainingRun:
    """A fresh LM on `device` and the TrainingRun that trains it into exp_dir; its checkpoints
    record the lm.model section and the vocabulary size that load_rnn_lm checks."""
    model = RnnLm(cfg.model, vocab_size).to(device)
    return TrainingRun(
        model=model,
        loss_fn=RnnLmLoss(device),
        cfg=cfg.train,
        exp_dir=exp_dir,
        device=device,
        dist_info=dist_info,
        batches=batches,
        checkpoint_extra={"vocab_size": vocab_size},
        config_sections={"lm": dataclasses.asdict(cfg.model)},
        early_stop_patience=cfg.early_stop_patience,
    )


def log_perplexities(state: TrainState) -> None:
    """The dev perplexity of every epoch, and the best."""
    for h in state.history:
        logging.info(f"epoch {h['epoch']}: dev perplexity {perplexity(h['valid_loss']):.2f}")
    if state.history:
        logging.info(f"best: epoch {best_epoch(state.history)}")
