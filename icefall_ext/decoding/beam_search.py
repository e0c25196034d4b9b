"""Modified beam search (icefall's `modified_beam_search`): at most one symbol per frame,
hypotheses with the same token sequence merged by adding their probabilities. One utterance at a
time (`modified_beam_search_one`, the reference) or a whole batch at once (what decoding uses),
the latter optionally with LM fusion (decoding/lm_fusion.py)."""
import math
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Protocol, Tuple

import torch

from icefall_ext.models.transducer import Transducer


@dataclass
class Hypothesis:
    ys: Tuple[int, ...]  # starts with Decoder.initial_context()
    log_prob: float


class Fusion(Protocol):
    """Scores added to a hypothesis for each non-blank token it emits, as icefall's
    modified_beam_search_lm_shallow_fusion and _LODR add theirs: each frame's top-k is chosen on
    the hypotheses' scores plus the transducer's log-probs, then the chosen emissions get these.
    A hypothesis carries the fusion's state (an LM's), which advances only when it emits."""

    def initial_state(self) -> Any:
        """The state of the empty hypothesis."""

    def emit(self, states: List[Any], parents: List[Tuple[int, ...]], tokens: List[int]) -> Tuple[List[float], List[Any]]:
        """For hypotheses (their states and ys) each emitting a token: the scores to add, the new states."""


def _merge(hyps: Dict[Tuple[int, ...], float], ys: Tuple[int, ...], log_prob: float) -> None:
    if ys in hyps:
        a, b = hyps[ys], log_prob
        hyps[ys] = max(a, b) + math.log1p(math.exp(-abs(a - b)))
    else:
        hyps[ys] = log_prob


def ranked(hyps: Dict[Tuple[int, ...], float], length_norm: bool = True) -> List[Hypothesis]:
    """Hypotheses best first (length_norm: by log_prob / len(ys), see modified_beam_search_one)."""
    order = sorted(hyps.items(), key=lambda kv: kv[1] / len(kv[0]) if length_norm else kv[1], reverse=True)
    return [Hypothesis(ys=k, log_prob=v) for k, v in order]


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


def _fusion_scores(fusion: Optional[Fusion], states: List[Dict[Tuple[int, ...], Any]],
                   chosen: List[Tuple[int, Tuple[int, ...], int, float]], blank: int) -> List[Tuple[float, Any]]:
    """(score to add, new state) of each chosen (utterance, parent ys, token, score): the fusion's
    for an emission, (0, the parent's state) for blank; all (0, None) without fusion."""
    if fusion is None:
        return [(0.0, None)] * len(chosen)
    emitting = [(i, k, tok) for i, k, tok, _ in chosen if tok != blank]
    scores, new_states = fusion.emit([states[i][k] for i, k, _ in emitting], [k for _, k, _ in emitting],
                                     [tok for _, _, tok in emitting]) if emitting else ([], [])
    added = iter(zip(scores, new_states))
    return [next(added) if tok != blank else (0.0, states[i][k]) for i, k, tok, _ in chosen]


@torch.no_grad()
def modified_beam_search_batch(
    model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor, beam: int = 4, length_norm: bool = True,
    fusion: Optional[Fusion] = None,
) -> List[List[Hypothesis]]:
    """icefall's batched `modified_beam_search`: encoder_out (N, T, D) -> each utterance's final
    hypotheses, best first: those of modified_beam_search_one (same token sequences, same order;
    the scores to float32 rounding, since a matrix product over more rows may round differently).

    Each utterance keeps its own hypotheses; at every frame the decoder and the joiner run once on
    the hypotheses of all utterances still active, and one top-k over each utterance's
    (hypotheses x vocabulary) scores, padded to the longest, chooses its next beam. With `fusion`,
    the chosen emissions then get its scores (see Fusion); a fusion adding only zeros leaves every
    score, hence every hypothesis, exactly as without it.
    """
    start = tuple(model.decoder.initial_context())
    beams = [{start: 0.0} for _ in range(encoder_out.shape[0])]
    states = [{start: fusion.initial_state()} for _ in beams] if fusion else None
    return [ranked(hyps, length_norm) for hyps in advance_beams(model, encoder_out, encoder_lens, beams, beam, fusion, states)]


@torch.no_grad()
def advance_beams(
    model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor,
    beams: List[Dict[Tuple[int, ...], float]], beam: int = 4, fusion: Optional[Fusion] = None,
    states: Optional[List[Dict[Tuple[int, ...], Any]]] = None,
) -> List[Dict[Tuple[int, ...], float]]:
    """Each utterance's hypotheses ({ys: log_prob}, ys starting with Decoder.initial_context()) after
    the frames of encoder_out (N, T, D): the whole utterance, or the next chunk of a stream. With
    `fusion`, `states` holds each hypothesis's fusion state ({ys: state} per utterance) and is
    advanced in place."""
    blank, ctx = model.blank_id, model.decoder.context_size
    device = encoder_out.device
    enc = model.joiner.encoder_proj(encoder_out)
    lens = encoder_lens.tolist()
    beams = list(beams)
    if states is None:
        states = [{k: None for k in b} for b in beams]
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
        chosen = []  # (utterance, parent ys, token, score)
        for a, (i, ks) in enumerate(zip(active, keys)):
            n = min(beam, counts[a] * vocab)  # as the per-utterance top-k over its own scores
            chosen += [(i, ks[idx // vocab], idx % vocab, score) for score, idx in zip(top_scores[a][:n], top_idx[a][:n])]
        new_beams = {i: {} for i in active}
        new_states = {i: {} for i in active}
        for (i, k, tok, score), (added, state) in zip(chosen, _fusion_scores(fusion, states, chosen, blank)):
            ys = k if tok == blank else k + (tok,)
            _merge(new_beams[i], ys, score + added)
            new_states[i].setdefault(ys, state)  # the same ys, the same LM history: keep the first
        for i in active:
            beams[i], states[i] = new_beams[i], new_states[i]
    return beams


def modified_beam_search(
    model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor, beam: int = 4,
    fusion: Optional[Fusion] = None,
) -> List[List[int]]:
    """Best token ids per utterance of a batch (N, T, D)."""
    ctx = model.decoder.context_size
    batch = modified_beam_search_batch(model, encoder_out, encoder_lens, beam, fusion=fusion)
    return [list(hyps[0].ys[ctx:]) for hyps in batch]
