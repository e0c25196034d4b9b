"""The endpointing results of a recipe (issue 22): every system's metrics per test set and trailing
silence (bin/score_endpoints.py's metrics.tsv and WER-against-p90 plots), the operating point of
the latency penalty chosen on dev, and the RESULTS.md section with its targets."""
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from icefall_ext.decoding.endpoint_files import ENDPOINTS, endpoints_path, eos_system, read_endpoints, rules_system
from icefall_ext.decoding.endpoint_metrics import endpoint_metrics
from recipe_common.io import read_tsv, write_text_atomic
from recipe_common.plot import plt, save_figure

METRICS = ["latency_p50", "latency_p90", "early_cutoff_rate", "no_endpoint_rate", "wer", "dropped_words", "utterances"]
DEV = "dev"


@dataclass
class EndpointRow:
    system: str
    test: str
    silence: float
    metrics: Dict[str, float]


def systems(late_scales: Sequence[float], rule2_sweep: Sequence[float]) -> List[str]:
    return [eos_system(w) for w in late_scales] + [rules_system(None)] + [rules_system(r) for r in rule2_sweep]


def measure_endpoints(exp_dir: Path, names: Sequence[str], tests: Sequence[str], silences: Sequence[float]) -> List[EndpointRow]:
    """The metrics of every endpoints file there is (a system or test set not decoded is left out)."""
    rows = []
    for system in names:
        for test in tests:
            for silence in silences:
                path = endpoints_path(exp_dir, system, test, silence)
                if path.is_file():
                    rows.append(EndpointRow(system, test, silence, endpoint_metrics(read_endpoints(path))))
    return rows


def write_metrics(path: Path, rows: List[EndpointRow]) -> None:
    lines = ["\t".join(["system", "test", "silence"] + METRICS)]
    lines += ["\t".join([r.system, r.test, f"{r.silence:g}"] + [f"{r.metrics[k]:.4f}" for k in METRICS]) for r in rows]
    write_text_atomic(path, "\n".join(lines) + "\n")


def read_metrics(path: Path) -> List[EndpointRow]:
    return [EndpointRow(r["system"], r["test"], float(r["silence"]), {k: float(r[k]) for k in METRICS})
            for r in read_tsv(path)]


def plot_wer_against_p90(path: Path, rows: List[EndpointRow], test: str) -> None:
    """One point per system and trailing silence: WER with endpointing against p90 latency."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for silence, marker in zip(sorted({r.silence for r in rows}), "os^vD"):
        for r in rows:
            if r.test == test and r.silence == silence and not math.isnan(r.metrics["latency_p90"]):
                color = "tab:blue" if r.system.startswith("eos") else "tab:orange"
                ax.plot(r.metrics["latency_p90"], r.metrics["wer"], marker, color=color)
                ax.annotate(f"{r.system} +{silence:g}s", (r.metrics["latency_p90"], r.metrics["wer"]), fontsize=6)
    ax.set_xlabel("endpoint latency, 90th percentile (s)")
    ax.set_ylabel("WER with endpointing (%)")
    ax.set_title(f"{test}: <eos> endpointer (blue) and sherpa-onnx rules (orange)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path)


def score_endpoints(exp_dir: Path, names: Sequence[str], tests: Sequence[str], silences: Sequence[float]) -> List[EndpointRow]:
    """metrics.tsv and one plot per test set under EXP/endpoints."""
    rows = measure_endpoints(exp_dir, names, tests, silences)
    write_metrics(exp_dir / ENDPOINTS / "metrics.tsv", rows)
    for test in tests:
        if any(r.test == test for r in rows):
            plot_wer_against_p90(exp_dir / ENDPOINTS / f"wer-vs-p90-{test}.png", rows, test)
    return rows


def find(rows: List[EndpointRow], system: str, test: str, silence: float) -> Optional[Dict[str, float]]:
    return next((r.metrics for r in rows if (r.system, r.test, r.silence) == (system, test, silence)), None)


def relative_change(value: float, reference: float) -> float:
    return (value - reference) / reference if reference else (0.0 if value == reference else math.inf)


def twin_system(late_scales: Sequence[float]) -> str:
    """The unpenalised fine-tuning, named by its weight as the config spells it."""
    return eos_system(next(w for w in late_scales if w == 0))


def operating_point(rows: List[EndpointRow], late_scales: Sequence[float], silences: Sequence[float],
                    max_wer_change: float, max_early_cutoff: float) -> Optional[float]:
    """The late weight > 0 with the lowest mean dev p90 latency among those whose dev WER is within
    max_wer_change (relative) of the unpenalised twin's and whose early-cutoff rate is at most
    max_early_cutoff, at every trailing silence; None when none qualifies (or dev was not decoded)."""
    best, best_p90 = None, math.inf
    for w in late_scales:
        if w == 0:
            continue
        ok, p90s = True, []
        for s in silences:
            m, ref = find(rows, eos_system(w), DEV, s), find(rows, twin_system(late_scales), DEV, s)
            if m is None or ref is None:
                return None
            ok &= abs(relative_change(m["wer"], ref["wer"])) <= max_wer_change and m["early_cutoff_rate"] <= max_early_cutoff
            p90s.append(m["latency_p90"])
        if ok and sum(p90s) / len(p90s) < best_p90:
            best, best_p90 = w, sum(p90s) / len(p90s)
    return best


def fmt_s(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.2f}"


def report_lines(rows: List[EndpointRow], tests: Sequence[str], endpointing) -> List[str]:
    """The RESULTS.md section: the table, the plot, the operating point and the targets on the
    test sets other than dev. endpointing: the config's `endpointing` section."""
    if not rows:
        return []
    lines = ["## End-of-sentence endpointing", "",
             f"Chunks of {10 * endpointing.chunk_frames} ms; each utterance followed by trailing silence (noise floor at "
             "-70 dBFS); latency = endpoint - end of the last word in the forced alignment (the same for every system); "
             "WER counts words lost to an early endpoint as deletions. `eos-late-W`: the <eos> model fine-tuned "
             f"{endpointing.num_epochs} epoch(s) at late weight W (0.0: the same fine-tuning without penalty); "
             f"`rules-*`: sherpa-onnx's rule endpointer on the streaming export of `{twin_system(endpointing.late_scales)}`.",
             "",
             "| system | test set | silence (s) | latency p50 (s) | latency p90 (s) | early cutoff (%) | no endpoint (%) "
             "| WER (%) | words after <eos> |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        m = r.metrics
        lines.append(f"| {r.system} | {r.test} | {r.silence:g} | {fmt_s(m['latency_p50'])} | {fmt_s(m['latency_p90'])} | "
                     f"{100 * m['early_cutoff_rate']:.1f} | {100 * m['no_endpoint_rate']:.1f} | {m['wer']:.2f} | "
                     f"{m['dropped_words']:.0f} |")
    lines += ["", f"WER against p90 latency, every system: `{ENDPOINTS}/wer-vs-p90-<test>.png` in the exp dir.", ""]
    silences = sorted({r.silence for r in rows})
    w = operating_point(rows, endpointing.late_scales, silences, endpointing.max_wer_change, endpointing.max_early_cutoff)
    lines += ["### Targets (endpointing; operating point chosen on dev)", ""]
    if w is None:
        lines.append(f"- no late weight > 0 of {endpointing.late_scales} endpoints dev with a WER within "
                     f"{100 * endpointing.max_wer_change:.0f} % of the unpenalised model's and at most "
                     f"{100 * endpointing.max_early_cutoff:.0f} % early cutoffs (an endpointer that never fires "
                     "has no latency to compare): **NOT met**")
        return lines
    lines.append(f"- operating point: late weight {w}")
    for test in [t for t in tests if t != DEV]:
        for s in silences:
            m, ref, rules = (find(rows, eos_system(w), test, s), find(rows, twin_system(endpointing.late_scales), test, s),
                             find(rows, rules_system(None), test, s))
            if m is None or ref is None:
                continue
            cut = -relative_change(m["latency_p50"], ref["latency_p50"])
            wer_change = relative_change(m["wer"], ref["wer"])
            ok = cut >= endpointing.min_median_latency_cut and abs(wer_change) <= endpointing.max_wer_change \
                and m["early_cutoff_rate"] <= endpointing.max_early_cutoff
            lines.append(f"- {test} +{s:g} s: median latency {fmt_s(ref['latency_p50'])} -> {fmt_s(m['latency_p50'])} s "
                         f"({100 * cut:.0f} % cut, target >= {100 * endpointing.min_median_latency_cut:.0f} %), WER "
                         f"{100 * wer_change:+.1f} % relative, early cutoffs {100 * m['early_cutoff_rate']:.1f} %: "
                         f"**{'met' if ok else 'NOT met'}**")
            if rules is not None:
                better = m["latency_p90"] < rules["latency_p90"] and m["early_cutoff_rate"] <= rules["early_cutoff_rate"]
                lines.append(f"- {test} +{s:g} s: p90 latency {fmt_s(m['latency_p90'])} s against sherpa-onnx's default "
                             f"rules' {fmt_s(rules['latency_p90'])} s, early cutoffs {100 * m['early_cutoff_rate']:.1f} % "
                             f"against {100 * rules['early_cutoff_rate']:.1f} %: **{'met' if better else 'NOT met'}**")
    return lines
