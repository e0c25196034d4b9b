"""Minimum word error rate (MWER) training of a transducer, with LM fusion inside the loss (Meng et
al., "Minimum word error rate training with language model fusion for end-to-end speech
recognition", arXiv 2106.02302; the loss of Prabhavalkar et al., ICASSP 2018).

For each utterance an N-best list comes from modified beam search, run without gradient; each
hypothesis y_i is then scored with gradient,
    s_i = log P_E2E(y_i | x) + lm_scale * log P_LM(y_i) - ilme_scale * log P_ILM(y_i),
with log P_E2E the full RNN-T log-likelihood (alignments summed), P_LM the external LM (frozen)
and P_ILM the model's own internal LM (Transducer.internal_lm_log_probs; its gradient flows into
the decoder and joiner). Both LMs score the tokens only, as shallow fusion does in the search.
The posteriors P^_i = softmax(s / temperature) over the N-best weight the word errors W_i
(edit distance of the hypothesis's words to the reference's) minus their N-best mean:
    L_MWER = sum_i P^_i (W_i - mean_j W_j),
and the trained loss is L_MWER + rnnt_scale * (the RNN-T loss of the reference).

MWER, MWER-SF and MWER-ILME are this loss with no LM, with lm_scale (the N-best also searched with
shallow fusion), and with lm_scale and ilme_scale (searched with ILME fusion). An utterance whose
N-best has fewer than two hypotheses or equal errors throughout contributes no MWER gradient; such
N-best lists are counted and logged.
"""
import logging
from typing import Dict, List, Optional, Sequence, Tuple

import kaldialign
import torch

from icefall_ext.asr_config import MwerConfig
from icefall_ext.decoding.beam_search import Fusion, Hypothesis, modified_beam_search_batch
from icefall_ext.decoding.lm_fusion import InternalLmFusion, LmFusion, SumFusion
from icefall_ext.lm.rnn_lm import RnnLm
from icefall_ext.losses.internal_lm_loss import internal_lm_nll
from icefall_ext.losses.rnnt_loss import rnnt_loss
from icefall_ext.models.transducer import Transducer
from icefall_ext.tokens.bpe import Tokenizer
from icefall_ext.training import batch_texts, batch_to_inputs
from recipe_common.errors import InputError

def expected_risk(scores: torch.Tensor, errors: torch.Tensor, temperature: float = 1.0,
                  subtract_mean: bool = True) -> torch.Tensor:
    """sum_i softmax(scores / temperature)_i * (errors_i - mean(errors)) of one N-best. Subtracting
    the mean changes the value, not the gradient (the posteriors sum to 1); it lowers its variance."""
    posteriors = (scores / temperature).softmax(0)
    centred = errors - errors.mean() if subtract_mean else errors
    return (posteriors * centred).sum()


def word_errors(ref: Sequence[str], hyp: Sequence[str]) -> int:
    return kaldialign.edit_distance(list(ref), list(hyp))["total"]


def pad_tokens(sequences: List[List[int]], device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
    """(N, max(1, longest)) padded with -1, and the lengths (N,)."""
    lens = torch.tensor([len(s) for s in sequences], dtype=torch.long, device=device)
    y = torch.full((len(sequences), max(1, int(lens.max()))), -1, dtype=torch.long, device=device)
    for i, s in enumerate(sequences):
        y[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return y, lens


def rnnt_log_likelihoods(model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor,
                         y: torch.Tensor, y_lens: torch.Tensor) -> torch.Tensor:
    """log P(y | x) per row (full sum over alignments), with gradient."""
    decoder_out = model.forward_decoder(y)
    logits = model.joiner(encoder_out.unsqueeze(2), decoder_out.unsqueeze(1))
    return -rnnt_loss(logits, y.clamp(min=0), encoder_lens, y_lens, blank=model.blank_id, reduction="none")


@torch.no_grad()
def lm_token_log_probs(lm: RnnLm, y: torch.Tensor, y_lens: torch.Tensor) -> torch.Tensor:
    """log P_LM of each row's tokens after the sentence start, the sentence end left out (as fusion)."""
    nll = lm(y, y_lens)  # (N, U+1), the end at position y_lens
    end = nll.gather(1, y_lens.unsqueeze(1)).squeeze(1)
    return -(nll.sum(1) - end)


class MwerLoss:
    """The trainer's loss function (model, batch) -> (summed loss, encoder frames)."""

    def __init__(self, cfg: MwerConfig, tokenizer: Tokenizer, device: torch.device, lm: Optional[RnnLm] = None,
                 log_every: int = 50):
        if cfg.uses_lm and lm is None:
            raise InputError(f"mwer.method {cfg.method} fuses an external LM: set decode.lm_checkpoint (or --lm-checkpoint)")
        self.cfg, self.tokenizer, self.device, self.lm = cfg, tokenizer, device, lm
        self.log_every, self.calls = log_every, 0
        self.utterances = self.degenerate = 0

    def fusion(self, model: Transducer) -> Optional[Fusion]:
        if self.cfg.method == "mwer":
            return None
        parts: List[Fusion] = [LmFusion(self.lm, self.cfg.lm_scale)]
        if self.cfg.method == "mwer_ilme":
            parts.append(InternalLmFusion(model, -self.cfg.ilme_scale))
        return SumFusion(parts)

    def nbest(self, model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor) -> List[List[Hypothesis]]:
        """The N-best per utterance, searched in eval mode and without gradient."""
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                beams = modified_beam_search_batch(model, encoder_out.detach(), encoder_lens, self.cfg.nbest,
                                                   fusion=self.fusion(model))
        finally:
            model.train(was_training)
        return [hyps[: self.cfg.nbest] for hyps in beams]

    def sequence_scores(self, model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor,
                        rows: torch.Tensor, sequences: List[List[int]]) -> torch.Tensor:
        """s_i of each hypothesis (its utterance's row of encoder_out in `rows`), with gradient."""
        y, y_lens = pad_tokens(sequences, encoder_out.device)
        scores = rnnt_log_likelihoods(model, encoder_out[rows], encoder_lens[rows], y, y_lens)
        if self.cfg.lm_scale:
            scores = scores + self.cfg.lm_scale * lm_token_log_probs(self.lm, y, y_lens)
        if self.cfg.ilme_scale:
            scores = scores + self.cfg.ilme_scale * internal_lm_nll(model.internal_lm_log_probs(y), y, y_lens)
        return scores

    def __call__(self, model: Transducer, batch: Dict) -> Tuple[torch.Tensor, torch.Tensor]:
        x, x_lens, y, y_lens = batch_to_inputs(batch, self.tokenizer, self.device)
        sup = batch["supervisions"]
        for text, cut in zip(sup["text"], sup.get("cut", [None] * len(sup["text"]))):
            if not text.split():
                raise InputError(f"cut {getattr(cut, 'id', '?')}: the reference has no words, so no word error rate to minimise")
        refs = [t.split() for t in batch_texts(batch)]
        encoder_out, encoder_lens = model.forward_encoder(x, x_lens)
        rnnt = model.forward_transducer(encoder_out, encoder_lens, y, y_lens)["rnnt"]
        beams = self.nbest(model, encoder_out, encoder_lens)
        ctx = model.decoder.context_size
        rows = torch.tensor([b for b, hyps in enumerate(beams) for _ in hyps], device=encoder_out.device)
        sequences = [list(h.ys[ctx:]) for hyps in beams for h in hyps]
        scores = self.sequence_scores(model, encoder_out, encoder_lens, rows, sequences)
        mwer, start = scores.new_zeros(()), 0
        for b, hyps in enumerate(beams):
            errors = torch.tensor([float(word_errors(refs[b], self.tokenizer.decode(s).split()))
                                   for s in sequences[start : start + len(hyps)]], device=scores.device)
            self.utterances += 1
            if len(hyps) < 2 or bool((errors == errors[0]).all()):
                self.degenerate += 1
            mwer = mwer + expected_risk(scores[start : start + len(hyps)], errors, self.cfg.temperature)
            start += len(hyps)
        self.calls += 1
        if self.calls % self.log_every == 0:
            logging.info(f"MWER: {self.degenerate} of {self.utterances} N-best lists so far were degenerate "
                         "(one hypothesis, or equal errors: no MWER gradient)")
        return mwer + self.cfg.rnnt_scale * rnnt, encoder_lens.sum()
