"""Word times from a one-best alignment (Kaldi's lattice-align-words-lexicon, for one path): the
alignment's phone runs are matched against the decoded words' pronunciations, optional silence
between words skipped. The wheels have no word-alignment binding; this needs only the lexicon."""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

from icefall_ext.hybrid.hmm import HmmModel, phones_of_alignment
from recipe_common.errors import InputError


@dataclass
class WordTime:
    word_id: int
    start_frame: int
    num_frames: int


def _match(runs: Sequence[Tuple[int, int]], pos: int, words: Sequence[int], prons: Dict[int, List[List[int]]],
           silence: Set[int]) -> Optional[List[Tuple[int, int, int]]]:
    """(word, first run, number of runs) per word from run `pos` on; None if the phones do not spell them."""
    if not words:
        rest = [p for p, _ in runs[pos:]]
        return [] if all(p in silence for p in rest) else None
    phones = [p for p, _ in runs]
    for pron in sorted(prons.get(words[0], []), key=len, reverse=True):
        if phones[pos:pos + len(pron)] == pron:
            tail = _match(runs, pos + len(pron), words[1:], prons, silence)
            if tail is not None:
                return [(words[0], pos, len(pron))] + tail
    if pos < len(runs) and phones[pos] in silence:
        return _match(runs, pos + 1, words, prons, silence)
    return None


def word_times(model: HmmModel, alignment: Sequence[int], word_ids: Sequence[int],
               prons: Dict[int, List[List[int]]], silence_phones: Set[int]) -> List[WordTime]:
    """Start frame and length of each of `word_ids` in `alignment` (transition-ids, reorder=True).
    `prons`: word id -> its pronunciations as phone ids (lexicon.txt through phones.txt)."""
    runs = phones_of_alignment(model, alignment)
    matched = _match(runs, 0, list(word_ids), prons, silence_phones)
    if matched is None:
        raise InputError("the alignment's phones do not spell the decoded words (a lexicon that is not the graph's?)")
    starts = [0]
    for _, n in runs:
        starts.append(starts[-1] + n)
    return [WordTime(w, starts[first], starts[first + n] - starts[first]) for w, first, n in matched]


def ctm_lines(utt: str, times: Sequence[WordTime], words: Dict[int, str], frame_shift: float = 0.01,
              drop: Set[str] = frozenset()) -> List[str]:
    """Kaldi's CTM (steps/get_ctm.sh): `utt 1 start duration word`, seconds with two decimals."""
    return [f"{utt} 1 {t.start_frame * frame_shift:.2f} {t.num_frames * frame_shift:.2f} {words[t.word_id]}"
            for t in times if words[t.word_id] not in drop]
