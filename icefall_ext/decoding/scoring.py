"""icefall's result files, written and read in one place: recogs-*, errs-*, wer-summary-* (WER
with kaldialign), and rtf-* (the real-time factor of a decoding run).

In a decoding directory EXP/<method>/, a result named NAME (`test-epoch-30-avg-5`, or `test` for
sherpa-onnx) has recogs-NAME.txt, errs-NAME.txt, wer-summary-NAME.txt and, when timed, rtf-NAME.txt.
"""
import ast
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import kaldialign
import numpy as np

from recipe_common.errors import InputError
from recipe_common.io import read_tsv, write_text_atomic

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
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        utt, _, rest = line.partition(":\t")
        kind, _, words = rest.partition("=")
        if kind not in ("ref", "hyp"):
            raise InputError(f"{path}:{n}: expected '<utt>:\\tref=[...]' or '<utt>:\\thyp=[...]'")
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


def utterance_errors(results: List[Result]) -> Dict[str, Tuple[int, int]]:
    """utterance id -> (word errors, reference words)."""
    out = {}
    for utt, ref, hyp in results:
        out[utt] = (sum(r != h for r, h in kaldialign.align(ref, hyp, ERR)), len(ref))
    return out


def paired_bootstrap_wer_difference(a: List[Result], b: List[Result], num_resamples: int = 1000,
                                    seed: int = 0) -> Tuple[float, float, float]:
    """WER(b) - WER(a) in points, with a 95 % paired bootstrap interval (Bisani and Ney, ICASSP 2004):
    the utterances of the test set are resampled with replacement and both systems scored on the
    same resample, so the interval reflects which utterances happen to be hard, not the systems'
    correlated errors twice. Both lists must hold the same utterances with the same references."""
    ea, eb = utterance_errors(a), utterance_errors(b)
    if set(ea) != set(eb):
        raise InputError(f"paired comparison: the systems were decoded on different utterances "
                         f"({len(set(ea) ^ set(eb))} in one but not the other)")
    refs_a, refs_b = {u: r for u, r, _ in a}, {u: r for u, r, _ in b}
    differing = [u for u in ea if refs_a[u] != refs_b[u]]
    if differing:
        raise InputError(f"paired comparison: {len(differing)} utterances have other references, e.g. {differing[0]}")
    utts = sorted(ea)
    err_a = np.array([ea[u][0] for u in utts], dtype=np.float64)
    err_b = np.array([eb[u][0] for u in utts], dtype=np.float64)
    words = np.array([ea[u][1] for u in utts], dtype=np.float64)
    diff = 100.0 * (err_b.sum() - err_a.sum()) / max(words.sum(), 1.0)
    idx = np.random.default_rng(seed).integers(0, len(utts), size=(num_resamples, len(utts)))
    samples = 100.0 * (err_b[idx].sum(1) - err_a[idx].sum(1)) / np.maximum(words[idx].sum(1), 1.0)
    low, high = np.percentile(samples, [2.5, 97.5])
    return float(diff), float(low), float(high)


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


def write_wer_summary(path: Union[str, Path], settings: str, wer: float) -> None:
    """icefall's wer-summary-*.txt: a `settings<TAB>WER` header and one row per setting."""
    write_text_atomic(path, f"settings\tWER\n{settings}\t{wer:.2f}\n")


def read_wer_summary(path: Union[str, Path]) -> Optional[float]:
    """The WER of the first (best) row; None when the file does not exist."""
    if not Path(path).is_file():
        return None
    rows = read_tsv(path)
    if not rows or "WER" not in rows[0]:
        raise InputError(f"{path}: not a wer-summary file (expected a 'settings<TAB>WER' header and a row)")
    return float(rows[0]["WER"])


@dataclass
class Rtf:
    decoding_seconds: float
    audio_seconds: float
    num_threads: int

    @property
    def rtf(self) -> float:
        return self.decoding_seconds / max(self.audio_seconds, 1e-9)


def write_rtf(path: Union[str, Path], rtf: Rtf) -> None:
    write_text_atomic(
        path,
        "decoding_seconds\taudio_seconds\tnum_threads\trtf\n"
        f"{rtf.decoding_seconds:.3f}\t{rtf.audio_seconds:.3f}\t{rtf.num_threads}\t{rtf.rtf:.4f}\n",
    )


def read_rtf(path: Union[str, Path]) -> Optional[Rtf]:
    if not Path(path).is_file():
        return None
    rows = read_tsv(path)
    try:
        r = rows[0]
        return Rtf(float(r["decoding_seconds"]), float(r["audio_seconds"]), int(r["num_threads"]))
    except (IndexError, KeyError, ValueError):
        raise InputError(f"{path}: not an rtf file (expected decoding_seconds, audio_seconds, num_threads)")


def score_decode_dir(decode_dir: Union[str, Path]) -> List[Tuple[str, float]]:
    """Writes errs-NAME.txt and wer-summary-NAME.txt for every recogs-NAME.txt; [(NAME, WER %)]."""
    decode_dir = Path(decode_dir)
    recogs = sorted(decode_dir.glob("recogs-*.txt"))
    if not recogs:
        raise InputError(f"{decode_dir}: no recogs-*.txt to score (run the decoding stage first)")
    scored = []
    for path in recogs:
        name = path.name[len("recogs-") : -len(".txt")]
        wer = write_error_stats(decode_dir / f"errs-{name}.txt", f"{decode_dir.name} {name}", read_recogs(path))
        write_wer_summary(decode_dir / f"wer-summary-{name}.txt", decode_dir.name, wer)
        scored.append((name, wer))
    return scored
