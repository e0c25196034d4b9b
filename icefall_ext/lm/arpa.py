"""A word bigram in ARPA form from training transcripts, for the hybrid system's G (kaldilm's
arpa2fst turns it into G.fst). Pure Python: no SRILM/KenLM here, and the E2E bigram
(icefall_ext.lm.bigram) works on token ids in torch.

Smoothing as icefall_ext.lm.bigram: interpolated Kneser-Ney with one absolute discount D, the
continuation unigram interpolated with the uniform distribution over the vocabulary, so that every
vocabulary word (the whole lexicon, not only the words seen) keeps some mass; written in back-off
form (explicit bigrams = their interpolated probability, back-off weight D * N1+(h .) / c(h)), in
which an unseen bigram's back-off probability equals its interpolated one.
"""
import math
from collections import Counter
from typing import Dict, Iterable, Sequence, Tuple

from recipe_common.errors import InputError

BOS, EOS = "<s>", "</s>"


def estimate_bigram_arpa(sentences: Sequence[Sequence[str]], vocabulary: Iterable[str], discount: float = 0.75) -> str:
    """ARPA text of the bigram of `sentences` (lists of words, all in `vocabulary`)."""
    if not 0.0 < discount < 1.0:
        raise InputError(f"discount {discount}: must be in (0, 1)")
    vocab = sorted(set(vocabulary) - {BOS, EOS})
    predictions = vocab + [EOS]
    known = set(predictions)
    bigrams: Counter = Counter()
    for words in sentences:
        unknown = [w for w in words if w not in known]
        if unknown:
            raise InputError(f"word(s) {' '.join(sorted(set(unknown)))} not in the LM vocabulary (map them to the OOV word first)")
        seq = [BOS] + list(words) + [EOS]
        bigrams.update(zip(seq[:-1], seq[1:]))
    if not bigrams:
        raise InputError("no sentences to estimate a bigram from")
    continuation = Counter(w for _, w in bigrams)  # N1+(. w)
    types = sum(continuation.values())
    seen_words = len(continuation)
    uniform = 1.0 / len(predictions)
    p_cont = {w: (max(continuation[w] - discount, 0.0) + discount * seen_words * uniform) / types for w in predictions}
    context_count: Counter = Counter()
    followers: Counter = Counter()
    for (h, _), c in bigrams.items():
        context_count[h] += c
        followers[h] += 1
    backoff = {h: discount * followers[h] / context_count[h] for h in context_count}
    lines = ["\\data\\", f"ngram 1={len(predictions) + 1}", f"ngram 2={len(bigrams)}", "", "\\1-grams:"]
    for w in [BOS] + predictions:
        logp = -99.0 if w == BOS else math.log10(p_cont[w])
        bow = f"\t{math.log10(backoff[w]):.6f}" if w in backoff else ""
        lines.append(f"{logp:.6f}\t{w}{bow}")
    lines += ["", "\\2-grams:"]
    for (h, w), c in sorted(bigrams.items()):
        p = (c - discount) / context_count[h] + backoff[h] * p_cont[w]
        lines.append(f"{math.log10(p):.6f}\t{h} {w}")
    lines += ["", "\\end\\", ""]
    return "\n".join(lines)


def read_arpa(text: str) -> Tuple[Dict[str, Tuple[float, float]], Dict[Tuple[str, ...], float]]:
    """({word: (log10 p, log10 backoff)}, {(h, w): log10 p}) of a unigram/bigram ARPA text."""
    unigrams, bigrams, order = {}, {}, 0
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("\\") and line.endswith("-grams:"):
            order = int(line[1])
            continue
        fields = line.split()
        if order == 0 or not fields or line.startswith("\\"):
            continue
        if order == 1:
            unigrams[fields[1]] = (float(fields[0]), float(fields[2]) if len(fields) > 2 else 0.0)
        elif order == 2:
            bigrams[(fields[1], fields[2])] = float(fields[0])
        else:
            raise InputError(f"ARPA order {order}: only unigrams and bigrams are read here")
    return unigrams, bigrams


def bigram_log10_prob(unigrams, bigrams, h: str, w: str) -> float:
    """log10 P(w | h) by ARPA back-off."""
    if (h, w) in bigrams:
        return bigrams[(h, w)]
    return unigrams[h][1] + unigrams[w][0]
