"""Where the endpointing stages keep their results and what they call them, in one place for the
decoders that write them and the scoring and RESULTS.md that read them.

    EXP/eos_late_<W>/epoch-N.pt                                  the <eos> model fine-tuned at late weight W (0.0: no penalty)
    EXP/endpoints/<system>/endpoints-<test>-silence-<S>.tsv     one row per utterance, S seconds of trailing silence
    EXP/endpoints/metrics.tsv, wer-vs-p90-<test>.png             bin/score_endpoints.py
Systems: eos-late-<W> (the <eos> endpointer of EXP/eos_late_<W>), rules-default and
rules-rule2-<R> (sherpa-onnx's rules on the streaming export of EXP/eos_late_0, rule 2 at R s).
"""
import csv
import io
import logging
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple, Union

from lhotse import CutSet

from icefall_ext.decoding.endpoint_metrics import Endpointed, endpoint_metrics
from recipe_common.errors import InputError
from recipe_common.io import read_tsv, write_text_atomic

ENDPOINTS = "endpoints"
COLUMNS = ["cut_id", "ref_end", "endpoint", "dropped_words", "ref", "hyp"]


def eos_system(late_scale: float) -> str:
    """Named by the weight as the config spells it (str, the form run.sh reads from config_value)."""
    return f"eos-late-{late_scale}"


def rules_system(rule2: Optional[float]) -> str:
    """rule2 None: sherpa-onnx's default rules."""
    return "rules-default" if rule2 is None else f"rules-rule2-{rule2}"


def endpoints_path(exp_dir: Union[str, Path], system: str, test: str, silence: float) -> Path:
    return Path(exp_dir) / ENDPOINTS / system / f"endpoints-{test}-silence-{silence:g}.tsv"


def write_endpoints(path: Union[str, Path], results: List[Endpointed]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in sorted(results, key=lambda r: r.cut_id):
        writer.writerow([r.cut_id, f"{r.ref_end:.3f}", "" if r.endpoint is None else f"{r.endpoint:.3f}",
                         r.dropped_words, " ".join(r.ref_words), " ".join(r.hyp_words)])
    write_text_atomic(path, out.getvalue())


def read_endpoints(path: Union[str, Path]) -> List[Endpointed]:
    """Inverse of write_endpoints."""
    rows = read_tsv(path)
    if rows and set(COLUMNS) - set(rows[0]):
        raise InputError(f"{path}: not an endpoints file (columns {', '.join(COLUMNS)})")
    try:
        return [Endpointed(r["cut_id"], r["ref"].split(), r["hyp"].split(), ref_end=float(r["ref_end"]),
                           endpoint=float(r["endpoint"]) if r["endpoint"] else None,
                           dropped_words=int(r["dropped_words"])) for r in rows]
    except ValueError as e:
        raise InputError(f"{path}: {e}")


def endpoint_test_sets(endpoint: Callable[[CutSet, float], List[Endpointed]], system: str, out_exp_dir: Path,
                       test_sets: Sequence[Tuple[str, Path]], silences: Sequence[float]) -> None:
    """Runs endpoint(cuts, trailing silence) on every test set at every silence, writing and logging each."""
    for name, path in test_sets:
        cuts = CutSet.from_file(path)
        for silence in silences:
            results = endpoint(cuts, silence)
            out = endpoints_path(out_exp_dir, system, name, silence)
            write_endpoints(out, results)
            m = endpoint_metrics(results)
            logging.info(f"{system} {name} +{silence:g} s: latency p50 {m['latency_p50']:.2f} s, p90 "
                         f"{m['latency_p90']:.2f} s, early {100 * m['early_cutoff_rate']:.1f} %, WER {m['wer']:.2f}; wrote {out}")
