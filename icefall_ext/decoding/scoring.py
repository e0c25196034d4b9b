"""WER with kaldialign, written as icefall's recogs-*, errs-* and wer-summary-* files."""
import ast
from collections import Counter
from pathlib import Path
from typing import List, Tuple, Union

import kaldialign

from icefall_ext.utils.io import write_text_atomic

ERR = "*"

# (utterance id, reference words, hypothesis words)
Result = Tuple[str, List[str], List[str]]


def write_recogs(path: Union[str, Path], results: List[Result]) -> None:
    lines = []
    for utt, ref, hyp in sorted(results):
        lines.append(f"{utt}:\tref={ref}")
        lines.append(f"{utt}:\thyp={hyp}")
    write_text_atomic(path, "\n".join(lines) + "\n")


def read_recogs(path: Union[str, Path]) -> List[Result]:
    """Inverse of write_recogs."""
    refs, hyps = {}, {}
    for line in Path(path).read_text().splitlines():
        utt, _, rest = line.partition(":\t")
        kind, _, words = rest.partition("=")
        (refs if kind == "ref" else hyps)[utt] = ast.literal_eval(words)
    return [(utt, refs[utt], hyps.get(utt, [])) for utt in refs]


def compute_wer(results: List[Result]) -> Tuple[float, int, int, int, int]:
    """(WER %, insertions, deletions, substitutions, reference words)."""
    ins = dels = subs = words = 0
    for _, ref, hyp in results:
        words += len(ref)
        for r, h in kaldialign.align(ref, hyp, ERR):
            if r == ERR:
                ins += 1
            elif h == ERR:
                dels += 1
            elif r != h:
                subs += 1
    wer = 100.0 * (ins + dels + subs) / max(words, 1)
    return wer, ins, dels, subs, words


def write_error_stats(path: Union[str, Path], test_set_name: str, results: List[Result]) -> float:
    """Per-utterance alignments and the most frequent errors; returns the WER in %."""
    wer, ins, dels, subs, words = compute_wer(results)
    errors: Counter = Counter()
    per_utt = []
    for utt, ref, hyp in sorted(results):
        ali = kaldialign.align(ref, hyp, ERR)
        text = " ".join(r if r == h else f"({r}->{h})" for r, h in ali)
        per_utt.append(f"{utt}:\t{text}")
        errors.update(f"{r} -> {h}" for r, h in ali if r != h)
    lines = [
        f"%WER = {wer:.2f}",
        f"Errors: {ins} insertions, {dels} deletions, {subs} substitutions, over {words} reference words "
        f"({words - dels - subs} correct)",
        "Search below for sections starting with PER-UTT DETAILS:, MOST FREQUENT ERRORS:",
        "",
        "PER-UTT DETAILS: corr or (ref->hyp)",
        *per_utt,
        "",
        "MOST FREQUENT ERRORS: ref -> hyp (* = insertion or deletion)",
        *(f"{n} {e}" for e, n in errors.most_common(50)),
    ]
    write_text_atomic(path, f"{test_set_name}\n" + "\n".join(lines) + "\n")
    return wer
