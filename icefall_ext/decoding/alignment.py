"""Forced alignment of a transcript with the transducer's own lattice: the single best path
(Viterbi, max in place of the full sum's log-add) through the RNN-T lattice of the reference
tokens, and the encoder frame at which it emits each token. The endpoint metrics take a word's
end from the frame of its last token (eos_endpoint.py). The recursion is the full-sum loss's in
the max-plus semiring: along label position u, alpha[t] = d[t] + cummax(e - d)[t], and cummax's
indices are the frames at which the best paths entered position u."""
from typing import Iterator, List, Tuple

import torch
from lhotse import CutSet
from lhotse.cut import Cut
from lhotse.supervision import AlignmentItem
from lhotse.utils import fastcopy

from icefall_ext.data.datamodule import eval_dataloader
from icefall_ext.losses.rnnt_loss import gather_blank_and_emit
from icefall_ext.models.subsampling import SUBSAMPLING_FACTOR
from icefall_ext.models.transducer import Transducer
from icefall_ext.tokens.bpe import Tokenizer
from icefall_ext.training import batch_to_inputs
from recipe_common.errors import InputError

WORD_START = "\u2581"  # sentencepiece's word-boundary mark


def viterbi_emission_frames(blank_lp: torch.Tensor, emit_lp: torch.Tensor) -> List[int]:
    """blank_lp (T, U+1), emit_lp (T, U) of one utterance (valid frames and labels only) -> the
    frame at which the best alignment emits each of the U labels (non-decreasing)."""
    T, U1 = blank_lp.shape
    zero = blank_lp.new_zeros(1)
    d = torch.cat([zero, blank_lp[:-1, 0].cumsum(0)])
    alpha = d
    entered = []
    for u in range(1, U1):
        d = torch.cat([zero, blank_lp[:-1, u].cumsum(0)])
        best, idx = torch.cummax(alpha + emit_lp[:, u - 1] - d, dim=0)
        alpha = d + best
        entered.append(idx)
    frames, t = [], T - 1
    for idx in reversed(entered):
        t = int(idx[t])
        frames.append(t)
    return frames[::-1]


@torch.no_grad()
def align(model: Transducer, encoder_out: torch.Tensor, encoder_lens: torch.Tensor, y: torch.Tensor,
          y_lens: torch.Tensor) -> List[List[int]]:
    """Per utterance of a batch (y: (N, U) padded with -1), the encoder frame of each token."""
    decoder_out = model.forward_decoder(y)
    logits = model.joiner(encoder_out.unsqueeze(2), decoder_out.unsqueeze(1))
    blank_lp, emit_lp = gather_blank_and_emit(logits, y.clamp(min=0), model.blank_id)
    out = []
    for i in range(y.shape[0]):
        t, u = int(encoder_lens[i]), int(y_lens[i])
        out.append(viterbi_emission_frames(blank_lp[i, :t, : u + 1], emit_lp[i, :t, :u]))
    return out


def word_spans(pieces: List[str]) -> List[Tuple[int, int]]:
    """(first, last) piece index of each word: a word starts at a piece with sentencepiece's mark."""
    starts = [i for i, p in enumerate(pieces) if p.startswith(WORD_START) or i == 0]
    return [(a, b - 1) for a, b in zip(starts, starts[1:] + [len(pieces)])]


def word_alignment(words: List[str], pieces: List[str], frames: List[int], frame_seconds: float,
                   offset: float = 0.0) -> List[AlignmentItem]:
    """lhotse word alignment items from each piece's emission frame: a word spans the frames of
    its first to its last piece; times count from `offset` (the cut's start in its recording)."""
    spans = word_spans(pieces) if pieces else []
    if len(spans) != len(words):
        raise ValueError(f"{len(words)} words but {len(spans)} word starts in the pieces {pieces}")
    items = []
    for word, (first, last) in zip(words, spans):
        start, end = frames[first] * frame_seconds, (frames[last] + 1) * frame_seconds
        items.append(AlignmentItem(symbol=word, start=round(offset + start, 4), duration=round(end - start, 4)))
    return items


def align_cuts(model: Transducer, tokenizer: Tokenizer, cuts: CutSet, max_duration: float) -> Iterator[Cut]:
    """The cuts (with features, one supervision each) with a word alignment of their transcripts
    from the model's own forced alignment, <eos> left out: what the <eos> latency penalty needs."""
    for batch in eval_dataloader(cuts, max_duration):
        x, x_lens, y, y_lens = batch_to_inputs(batch, tokenizer, torch.device("cpu"))
        if tokenizer.eos_id is not None:  # every row ends in <eos>: align the words only
            y_lens = y_lens - 1
            y = y.scatter(1, y_lens.unsqueeze(1), -1)
        encoder_out, encoder_lens = model.forward_encoder(x, x_lens)
        frames = align(model, encoder_out, encoder_lens, y, y_lens)
        sup = batch["supervisions"]
        for i, cut in zip(sup["sequence_idx"].tolist(), sup["cut"]):
            if len(cut.supervisions) != 1:
                raise InputError(f"cut {cut.id}: {len(cut.supervisions)} supervisions; forced alignment takes one per cut")
            s = cut.supervisions[0]
            ids = y[i, : y_lens[i]].tolist()
            pieces = [tokenizer.sp.id_to_piece(t) for t in ids]
            items = word_alignment(s.text.split(), pieces, frames[i], SUBSAMPLING_FACTOR * cut.frame_shift, cut.start)
            # a new dict: lhotse's with_alignment adds to the supervision's own, which copies may share
            cut.supervisions = [fastcopy(s, alignment={**(s.alignment or {}), "word": items})]
            yield cut
