"""ILMA (Meng et al., arXiv 2110.05354): adapting a trained transducer to a new domain with text
alone, by fine-tuning its internal LM (the joiner on the decoder output, encoder removed:
Transducer.internal_lm_log_probs) on the domain's sentences.

The loss is the internal LM's cross-entropy on the text plus beta times KL(unadapted || adapted
internal LM) at every token position, the unadapted model being a frozen copy taken before the
adaptation; only the chosen parameters train (the joiner's output linear by default, the
paper's best), everything else, the encoder first, keeps requires_grad False and is never touched.
The paper assumes a model trained with the internal-LM loss (ILMT, model.ilmt_loss_scale).

It runs through `training.fit` with text batches (lm.text_data.TextBatches): resuming, loss TSV
and plot, epoch-N.pt checkpoints of the whole transducer (what decode and export load), and early
stopping on the dev text's internal-LM loss per token, whose exp is its perplexity. One process
only: the loss calls the model's internal LM directly, not through a DDP forward.
"""
import copy
import dataclasses
import logging
from pathlib import Path
from typing import Dict, List, Tuple

import torch

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.losses.internal_lm_loss import internal_lm_kl, internal_lm_nll
from icefall_ext.models.transducer import Transducer
from icefall_ext.lm.lm_training import log_perplexities
from icefall_ext.training import BatchSource, TrainingRun, best_epoch, fit
from recipe_common.dist import DistInfo
from recipe_common.io import write_text_atomic

BEST_EPOCH_FILE = "best-epoch.txt"

# The module prefixes each parameter set adapts. The joiner's encoder projection is left out: the
# internal LM never sees it (its input and bias are removed), so it belongs to the encoder side.
_JOINER = ("joiner.decoder_proj.", "joiner.output_linear.")
PARAMETER_SETS: Dict[str, Tuple[str, ...]] = {
    "joiner_last_linear": ("joiner.output_linear.",),
    "joiner": _JOINER,
    "decoder_joiner": ("decoder.",) + _JOINER,
}


def select_parameters(model: torch.nn.Module, params: str) -> List[str]:
    """Leaves requires_grad on the parameters of set `params` only; their names."""
    prefixes = PARAMETER_SETS[params]
    chosen = []
    for name, p in model.named_parameters():
        p.requires_grad_(name.startswith(prefixes))
        if p.requires_grad:
            chosen.append(name)
    return chosen


def frozen_copy(model: Transducer) -> Transducer:
    """The unadapted model the KL term compares with."""
    ref = copy.deepcopy(model).eval()
    for p in ref.parameters():
        p.requires_grad_(False)
    return ref


def _text_batch(batch: Dict, device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
    return batch["inputs"].to(device), batch["input_lens"].to(device)


class InternalLmLoss:
    """(model, text batch) -> (internal-LM NLL summed over the tokens, tokens): ILMA's dev criterion."""

    def __init__(self, device: torch.device):
        self.device = device

    def __call__(self, model: Transducer, batch: Dict) -> Tuple[torch.Tensor, torch.Tensor]:
        y, y_lens = _text_batch(batch, self.device)
        return internal_lm_nll(model.internal_lm_log_probs(y), y, y_lens).sum(), y_lens.sum()


class IlmaLoss:
    """(model, text batch) -> (internal-LM NLL + kl_scale * KL to the reference, summed, tokens)."""

    def __init__(self, reference: Transducer, kl_scale: float, device: torch.device):
        self.reference, self.kl_scale, self.device = reference, kl_scale, device

    def __call__(self, model: Transducer, batch: Dict) -> Tuple[torch.Tensor, torch.Tensor]:
        y, y_lens = _text_batch(batch, self.device)
        log_probs = model.internal_lm_log_probs(y)
        loss = internal_lm_nll(log_probs, y, y_lens).sum()
        if self.kl_scale > 0:
            with torch.no_grad():
                ref = self.reference.internal_lm_log_probs(y)
            loss = loss + self.kl_scale * internal_lm_kl(ref, log_probs, y_lens).sum()
        return loss, y_lens.sum()


def ilma_run(model: Transducer, cfg: AsrRecipeConfig, batches: BatchSource, exp_dir: Path,
             device: torch.device) -> TrainingRun:
    """The TrainingRun adapting `model` (the source transducer, on `device`) into exp_dir with the
    config's ilma section; its checkpoints record the model section, as bin/train.py's."""
    ilma = cfg.ilma
    reference = frozen_copy(model)
    select_parameters(model, ilma.params)
    train_cfg = dataclasses.replace(cfg.train, num_epochs=ilma.num_epochs, base_lr=ilma.base_lr, warmup_steps=0)
    return TrainingRun(
        model=model,
        loss_fn=IlmaLoss(reference, ilma.kl_scale, device),
        cfg=train_cfg,
        exp_dir=exp_dir,
        device=device,
        dist_info=DistInfo(1, 0, 0),
        batches=batches,
        checkpoint_extra={"vocab_size": model.vocab_size, "ilma": dataclasses.asdict(ilma)},
        config_sections={"model": dataclasses.asdict(cfg.model)},
        dev_loss_fn=InternalLmLoss(device),
        early_stop_patience=ilma.early_stop_patience,
    )


def adapt(model: Transducer, cfg: AsrRecipeConfig, batches: BatchSource, exp_dir: Path, device: torch.device) -> int:
    """Runs (or resumes) the adaptation and returns the epoch of the best dev internal-LM perplexity,
    also written to exp_dir/best-epoch.txt: decode it with --exp-dir exp_dir --epoch E --avg 1."""
    state = fit(ilma_run(model, cfg, batches, exp_dir, device))
    log_perplexities(state)
    best = best_epoch(state.history)
    write_text_atomic(exp_dir / BEST_EPOCH_FILE, f"{best}\n")
    logging.info(f"decode the adapted model with --exp-dir {exp_dir} --epoch {best} --avg 1")
    return best
