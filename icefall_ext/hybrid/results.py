"""The hybrid recipe's RESULTS.md: the LM weight chosen on dev (lowest WER, Kaldi's best_wer.sh),
dev and test WER at that weight, read from the scored wer-summary files (no number typed)."""
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from icefall_ext.decoding.scoring import read_rtf, read_wer_summary
from recipe_common.errors import InputError

_NAME = re.compile(r"^wer-summary-(?P<set>.+)-lmwt-(?P<lmwt>[0-9.]+)\.txt$")


def lm_weight_wers(decode_dir: Path, test_set: str) -> Dict[float, float]:
    """{LMWT: WER %} of the scored results of one set in a decoding dir."""
    out = {}
    for p in Path(decode_dir).glob(f"wer-summary-{test_set}-lmwt-*.txt"):
        m = _NAME.match(p.name)
        if m and m["set"] == test_set:
            out[float(m["lmwt"])] = read_wer_summary(p)
    return out


def choose_lm_weight(dev_wers: Dict[float, float], where: str) -> float:
    if not dev_wers:
        raise InputError(f"{where}: no scored dev results (wer-summary-dev-lmwt-*.txt; run decode and score first)")
    return min(sorted(dev_wers), key=lambda w: dev_wers[w])


def results_markdown(title: str, command: str, systems: List[Tuple[str, Path]], test_sets: List[str],
                     max_wer: Optional[Dict[str, float]] = None) -> str:
    """One row per system (name, exp dir with decode_<set>/): WER of each set at dev's best LMWT."""
    lines = [f"# {title}", "", f"Produced by `{command}`.", "",
             "| system | LMWT (chosen on dev) | " + " | ".join(f"{s} WER %" for s in test_sets) + " | RTF (test) |",
             "|---|---|" + "---|" * len(test_sets) + "---|"]
    problems = []
    for name, exp in systems:
        lmwt = choose_lm_weight(lm_weight_wers(exp / "decode_dev", "dev"), str(exp))
        cells = []
        for s in test_sets:
            wers = lm_weight_wers(exp / f"decode_{s}", s)
            if lmwt not in wers:
                raise InputError(f"{exp}/decode_{s}: no result at LMWT {lmwt:g} (decode every set with the same weights)")
            cells.append(f"{wers[lmwt]:.2f}")
            if max_wer and s in max_wer and wers[lmwt] > max_wer[s]:
                problems.append(f"{name} {s} WER {wers[lmwt]:.2f} above the config's max_wer {max_wer[s]}")
        rtf = read_rtf(exp / "decode_test" / f"rtf-test-lmwt-{lmwt:g}.txt")
        rtf_cell = f"{rtf.rtf:.4f}" if rtf else "-"
        lines.append(f"| {name} | {lmwt:g} | " + " | ".join(cells) + f" | {rtf_cell} |")
    lines += ["", "The LM-weight sweep on dev (WER %):", ""]
    for name, exp in systems:
        dev = lm_weight_wers(exp / "decode_dev", "dev")
        lines.append(f"- {name}: " + ", ".join(f"LMWT {w:g}: {dev[w]:.2f}" for w in sorted(dev)))
    if problems:
        lines += ["", "**Targets missed:** " + "; ".join(problems)]
    return "\n".join(lines) + "\n"
