"""Modified beam search (icefall's `modified_beam_search`): at most one symbol per frame,
hypotheses with the same token sequence merged by adding their probabilities. One utterance at a
time (`modified_beam_search_one`, the reference) or a whole batch at once (what decoding uses)."""
import math
from dataclasses import dataclass
from typing import Dict, List, Tuple

import torch

from icefall_ext.models.transducer import Transducer


@dataclass
class Hypothesis:
    ys: Tuple[int, ...]  # starts with Decoder.initial_context()
    log_prob: float


def _merge(hyps: Dict[Tuple[int, ...], float], ys: Tuple[int, ...], log_prob: float) -> None:
    if ys in hyps:
        a, b = hyps[ys], log_prob
        hyps[ys] = max(a, b) + math.log1p(math.exp(-abs(a - b)))
    else:
        hyps[ys] = log_prob


def ranked(hyps: Dict[Tuple[int, ...], float], length_norm: bool = True) -> List[Hypothesis]:
    """Hypotheses best first (length_norm: by log_prob / len(ys), see modified_beam_search_one)."""
    ranked = sorted(hyps.items(), key=lambda kv: kv[1] / len(kv[0]) if length_norm else kv[1], reverse=True)
    return [Hypothesis(ys=k, log_prob=v) for k, v in ranked]


@torch.no_grad()
def modified_beam_search_one(
    model: Transducer, encoder_out: torch.Tensor, beam: int = 4, length_norm: bool = True
) -> List[Hypothesis]:
    """encoder_out: (T, D) of one utterance -> final hypotheses, best first.

    length_norm ranks by log_prob / len(ys) (the context included), as icefall's
    `get_most_probable(length_norm=True)` and sherpa-onnx's `GetMostProbable(true)` do; a raw
    log-probability favours the shorter hypotheses, i.e. deletions.
    """
    blank, ctx = model.blank_id, model.decoder.context_size
    enc = model.joiner.encoder_proj(encoder_out)
    hyps: Dict[Tuple[int, ...], float] = {tuple(model.decoder.initial_context()): 0.0}
    for t in range(enc.shape[0]):
        keys = list(hyps)
        context = torch.tensor([k[-ctx:] for k in keys], dtype=torch.long, device=enc.device)
        dec = model.joiner.decoder_proj(model.decoder(context, need_pad=False)[:, -1])
        log_probs = model.joiner(enc[t : t + 1].expand(len(keys), -1), dec, project_input=False).log_softmax(-1)
        scores = torch.tensor([hyps[k] for k in keys], device=enc.device).unsqueeze(1) + log_probs
        top_scores, top_idx = scores.flatten().topk(min(beam, scores.numel()))
        vocab = log_probs.shape[1]
        new_hyps: Dict[Tuple[int, ...], float] = {}
        for score, idx in zip(top_scores.tolist(), top_idx.tolist()):
            k, tok = keys[idx // vocab], idx % vocab
            _merge(new_hyps, k if tok == blank else k + (tok,), score)
        hyps = new_hyps
    return ranked(hyps, length_norm)


@torch.no_grad()
def modified_beam_search_batch(
    model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor, beam: int = 4, length_norm: bool = True
) -> List[List[Hypothesis]]:
    """icefall's batched `modified_beam_search`: encoder_out (N, T, D) -> each utterance's final
    hypotheses, best first: those of modified_beam_search_one (same token sequences, same order;
    the scores to float32 rounding, since a matrix product over more rows may round differently).

    Each utterance keeps its own hypotheses; at every frame the decoder and the joiner run once on
    the hypotheses of all utterances still active, and one top-k over each utterance's
    (hypotheses x vocabulary) scores, padded to the longest, chooses its next beam.
    """
    beams = [{tuple(model.decoder.initial_context()): 0.0} for _ in range(encoder_out.shape[0])]
    return [ranked(hyps, length_norm) for hyps in advance_beams(model, encoder_out, encoder_lens, beams, beam)]


@torch.no_grad()
def advance_beams(
    model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor,
    beams: List[Dict[Tuple[int, ...], float]], beam: int = 4,
) -> List[Dict[Tuple[int, ...], float]]:
    """Each utterance's hypotheses ({ys: log_prob}, ys starting with Decoder.initial_context()) after
    the frames of encoder_out (N, T, D): the whole utterance, or the next chunk of a stream."""
    blank, ctx = model.blank_id, model.decoder.context_size
    device = encoder_out.device
    enc = model.joiner.encoder_proj(encoder_out)
    lens = encoder_lens.tolist()
    beams = list(beams)
    for t in range(max(lens, default=0)):
        active = [i for i, n in enumerate(lens) if n > t]
        keys = [list(beams[i]) for i in active]
        counts = [len(k) for k in keys]
        flat = [k for ks in keys for k in ks]
        context = torch.tensor([k[-ctx:] for k in flat], dtype=torch.long, device=device)
        dec = model.joiner.decoder_proj(model.decoder(context, need_pad=False)[:, -1])
        utt = torch.tensor([i for i, c in zip(active, counts) for _ in range(c)], device=device)
        row = torch.tensor([a for a, c in enumerate(counts) for _ in range(c)], device=device)
        pos = torch.tensor([p for c in counts for p in range(c)], device=device)
        log_probs = model.joiner(enc[utt, t], dec, project_input=False).log_softmax(-1)  # (hyps, V)
        scores = torch.tensor([beams[i][k] for i, ks in zip(active, keys) for k in ks], device=device)
        scores = scores.unsqueeze(1) + log_probs
        vocab = log_probs.shape[1]
        padded = scores.new_full((len(active), max(counts), vocab), float("-inf"))
        padded[row, pos] = scores
        top_scores, top_idx = padded.flatten(1).topk(min(beam, max(counts) * vocab), dim=1)
        top_scores, top_idx = top_scores.tolist(), top_idx.tolist()
        for a, (i, ks) in enumerate(zip(active, keys)):
            n = min(beam, counts[a] * vocab)  # as the per-utterance top-k over its own scores
            new_hyps: Dict[Tuple[int, ...], float] = {}
            for score, idx in zip(top_scores[a][:n], top_idx[a][:n]):
                k, tok = ks[idx // vocab], idx % vocab
                _merge(new_hyps, k if tok == blank else k + (tok,), score)
            beams[i] = new_hyps
    return beams


def modified_beam_search(
    model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor, beam: int = 4
) -> List[List[int]]:
    """Best token ids per utterance of a batch (N, T, D)."""
    ctx = model.decoder.context_size
    return [list(hyps[0].ys[ctx:]) for hyps in modified_beam_search_batch(model, encoder_out, encoder_lens, beam)]
