"""Writes the token bigram as the `lodr_fst` of sherpa-onnx (`lodr_fst`, `lodr_scale`): an OpenFst
StdVectorFst in back-off form, the shape kaldilm's ARPA-to-FST gives icefall's LODR.

The contract (sherpa-onnx lodr-fst.cc, icefall's ngram_lm.py): the walk starts at state 0 (the
sentence-start context); an arc per explicit bigram, input = output label = the token id, weight
-log P(token | context), to the token's state; one back-off arc per context, input label the
back-off id (one past the vocabulary, icefall's `#0`) and output label 0, which is how
sherpa-onnx finds the back-off id, weight -log back-off weight, to the unigram state; the arcs
of a state sorted by input label (it looks them up by bisection). A token is scored by the
cheapest way to read it (direct or backed off); the final weight of a context state is -log
P(sentence end | context), which sherpa-onnx adds after the last token.
"""
import math
from pathlib import Path
from typing import Union

from icefall_ext.lm.bigram import TokenBigram
from recipe_common.errors import InputError
from recipe_common.io import atomic_path


def write_lodr_fst(bigram: TokenBigram, path: Union[str, Path]) -> Path:
    """States 0..V-1: the context ids (0: sentence start); state V: the unigram (back-off) state."""
    import kaldifst  # here only: a process that imports kaldifst before kaldi_hmm_gmm hangs

    if not any(math.isfinite(w) for w in bigram.backoff_log_weights.tolist()):
        raise InputError(f"{path}: a bigram without back-off weights has no back-off arc, which sherpa-onnx needs")

    v = bigram.vocab_size
    backoff_id, unigram_state = v, v
    explicit = bigram.explicit_log_probs.double()
    fst = kaldifst.StdVectorFst()
    for _ in range(v + 1):
        fst.add_state()
    fst.start = 0
    for context in range(v):
        for token in range(1, v):
            if math.isfinite(explicit[context, token]):
                fst.add_arc(state=context, arc=kaldifst.StdArc(token, token, -float(explicit[context, token]), token))
        if math.isfinite(bigram.backoff_log_weights[context]):
            weight = -float(bigram.backoff_log_weights[context])
            fst.add_arc(state=context, arc=kaldifst.StdArc(backoff_id, 0, weight, unigram_state))
        fst.set_final(state=context, weight=-float(bigram.log_probs[context, 0]))
    for token in range(1, v):
        fst.add_arc(state=unigram_state, arc=kaldifst.StdArc(token, token, -float(bigram.unigram_log_probs[token]), token))
    path = Path(path)
    with atomic_path(path) as tmp:
        fst.write(str(tmp))
    return path
