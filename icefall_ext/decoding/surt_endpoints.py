"""Per-channel <eos> endpoints of a SURT model against each speaker's reference end (SURT-EP's
endpoint latency on two-talker mixtures).

A channel may carry several utterances, each closed by its own <eos>. The references go to the
channels by the ORC-WER assignment (decoding/orc_wer.py), which needs no speaker labels: the
k-th reference (in start order) on channel c is scored against the k-th utterance that channel
emits, its endpoint the frame of that utterance's <eos>. The results are endpoint_metrics'
Endpointed rows, so latency p50/p90, early cut-offs and the no-endpoint rate are computed as for
a single talker.
"""
from typing import Callable, List, Optional, Sequence, Tuple

from icefall_ext.decoding.endpoint_metrics import Endpointed
from recipe_common.errors import InputError


def split_at_eos(tokens: Sequence[int], frames: Sequence[int], eos_id: int) -> List[Tuple[List[int], Optional[int]]]:
    """A channel's tokens -> its utterances: (tokens before each <eos>, the <eos> frame); what follows
    the last <eos> is a last utterance without an endpoint (None), kept only if it has tokens."""
    utterances, current = [], []
    for token, frame in zip(tokens, frames):
        if token == eos_id:
            utterances.append((current, frame))
            current = []
        else:
            current.append(token)
    if current:
        utterances.append((current, None))
    return utterances


def channel_endpoints(
    mixture_id: str, channels: Sequence[Tuple[Sequence[int], Sequence[int]]], references: Sequence[Tuple[str, float]],
    assignment: Sequence[int], eos_id: int, decode: Callable[[List[int]], str], frame_seconds: float,
) -> List[Endpointed]:
    """One Endpointed per reference of a mixture. channels: per output channel (tokens, encoder frame
    of each) from surt_streaming_greedy_search; references: (text, end of its last word in seconds
    in the mixture) in start order; assignment: the channel of each reference (OrcScore.assignments)."""
    if len(assignment) != len(references):
        raise InputError(f"mixture '{mixture_id}': {len(assignment)} assigned channels for {len(references)} references")
    if any(not 0 <= c < len(channels) for c in assignment):
        raise InputError(f"mixture '{mixture_id}': assignment {list(assignment)} names a channel outside 0..{len(channels) - 1}")
    utterances = [split_at_eos(tokens, frames, eos_id) for tokens, frames in channels]
    taken = [0] * len(channels)
    out = []
    for k, ((text, ref_end), c) in enumerate(zip(references, assignment)):
        tokens, frame = utterances[c][taken[c]] if taken[c] < len(utterances[c]) else ([], None)
        taken[c] += 1
        out.append(Endpointed(f"{mixture_id}/{k}", text.split(), decode(tokens).split(), ref_end,
                              None if frame is None else (frame + 1) * frame_seconds))
    return out
