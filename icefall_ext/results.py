"""RESULTS.md of an ASR recipe, built only from measured files: the WER of every decoding method
and test set in PyTorch and sherpa-onnx (decoding/scoring.py's files), the sherpa-onnx RTF, the
training history (exp/log/loss.tsv), the training-speed table when measured, published anchors
from the config (cited constants, printed beside ours) and the config's targets, each computed
and printed as met or NOT met. Test sets without words (silence, noise: `silence_sets`) have no
WER; they are reported as the utterances given any output.
"""
import json
import os
import platform
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from lhotse import CutSet

from icefall_ext.data.long_audio import LONG_SET, LONG_SET_WHOLE
from icefall_ext.decoding.scoring import compute_wer, paired_bootstrap_wer_difference, read_recogs, read_rtf, read_wer_summary
from icefall_ext.decoding.streaming_files import (
    StreamingTiming,
    chunk_name,
    full_context_name,
    read_timing,
    sherpa_streaming_dir,
    streaming_method,
)
from recipe_common.errors import InputError
from recipe_common.io import read_tsv


@dataclass
class Anchor:
    """A published number to print beside ours (never compared by hand)."""

    system: str
    test_set: str
    wer: float
    source: str  # where it is published, e.g. "ESPnet egs2/an4/asr1/README.md"


@dataclass
class RelativeTarget:
    """A condition's WER, for every decoding method, at most (1 + max_increase) times the WER of
    the set it was made from (test_quiet of test)."""

    test_set: str
    reference: str
    max_increase: float = 0.10


@dataclass
class Baseline:
    """Another run of the same recipe on the same test sets (e.g. the full-sum loss beside the
    pruned one): its WERs are printed beside ours with a paired bootstrap interval of the
    difference, and ours must stay within (1 + max_relative_increase) times its WER."""

    exp_dir: str  # relative to the recipe directory, e.g. exp/transducer
    name: str
    max_relative_increase: float = 0.03


@dataclass
class StreamingTargets:
    """The streaming targets (issue 22): at `chunk_frames`, PyTorch streaming WER at most
    (1 + max_relative_to_full_context) times the full-context WER of the same causal model; at
    every chunk, sherpa-onnx streaming within max_sherpa_onnx_gap absolute of PyTorch streaming
    and its RTF below max_rtf."""

    chunk_frames: int = 32  # 320 ms
    max_relative_to_full_context: float = 0.15
    max_sherpa_onnx_gap: float = 0.3
    max_rtf: float = 0.1


@dataclass
class ResultsConfig:
    anchors: List[Anchor] = field(default_factory=list)
    # Test set -> WER (%) the best PyTorch method must stay below.
    max_wer: Dict[str, float] = field(default_factory=dict)
    # Largest |sherpa-onnx WER - PyTorch WER| (absolute %) over methods and test sets.
    max_sherpa_onnx_gap: Optional[float] = None
    max_train_minutes: Optional[float] = None
    # Speaker groups also scored on their own: name -> [youngest, oldest] age (inclusive), read from
    # the supervisions' custom "age" (speechocean762's spk2age) in the test sets' cut manifests.
    age_groups: Dict[str, List[int]] = field(default_factory=dict)
    relative_wer: List[RelativeTarget] = field(default_factory=list)
    # Test sets whose references have no words; scored as utterances with output, not as WER.
    silence_sets: List[str] = field(default_factory=list)
    # Largest share of their utterances given any output, PyTorch and sherpa-onnx, every method.
    max_silence_output_share: Optional[float] = None
    baseline: Optional[Baseline] = None
    streaming: Optional[StreamingTargets] = None  # read when the model is causal and streaming was decoded

    def __post_init__(self):
        for name, ages in self.age_groups.items():
            if len(ages) != 2 or ages[0] > ages[1]:
                raise ValueError(f"age_groups.{name} must be [youngest, oldest], not {ages}")


def fmt(x: Optional[float], spec: str = ".2f") -> str:
    return "–" if x is None else format(x, spec)


def newest_torch_summary(exp_dir: Path, method: str, test: str) -> Optional[Path]:
    found = sorted((exp_dir / method).glob(f"wer-summary-{test}-epoch-*-avg-*.txt"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


@dataclass
class Measured:
    """The WERs of one run: (method, test) -> value, and the checkpoint suffix they came from."""

    torch_wer: Dict[Tuple[str, str], Optional[float]]
    sherpa_wer: Dict[Tuple[str, str], Optional[float]]
    suffix: Optional[str]


def measure(exp_dir: Path, methods: List[str], tests: List[str]) -> Measured:
    torch_wer, sherpa_wer, suffix = {}, {}, None
    for method in methods:
        for t in tests:
            summary = newest_torch_summary(exp_dir, method, t)
            if summary is not None:
                suffix = re.search(r"(epoch-\d+-avg-\d+)", summary.name).group(1)
            torch_wer[method, t] = read_wer_summary(summary) if summary else None
            sherpa_wer[method, t] = read_wer_summary(exp_dir / "onnx" / method / f"wer-summary-{t}.txt")
    return Measured(torch_wer, sherpa_wer, suffix)


def recogs_files(exp_dir: Path, method: str, test: str) -> List[Optional[Path]]:
    """[PyTorch's newest, sherpa-onnx's] recogs file of a method and test set (None where not written)."""
    summary = newest_torch_summary(exp_dir, method, test)
    files = [summary.parent / summary.name.replace("wer-summary-", "recogs-") if summary else None,
             exp_dir / "onnx" / method / f"recogs-{test}.txt"]
    return [f if f is not None and f.is_file() else None for f in files]


def silence_outputs(exp_dir: Path, methods: List[str], tests: List[str]) -> Dict[Tuple[str, str, str], Tuple[int, int, int]]:
    """(method, test, "PyTorch" | "sherpa-onnx") -> (utterances with output, utterances, words output)."""
    counts = {}
    for method in methods:
        for t in tests:
            for system, path in zip(("PyTorch", "sherpa-onnx"), recogs_files(exp_dir, method, t)):
                if path is not None:
                    results = read_recogs(path)
                    counts[method, t, system] = (sum(bool(h) for _, _, h in results), len(results),
                                                 sum(len(h) for _, _, h in results))
    return counts


def silence_lines(counts: Dict[Tuple[str, str, str], Tuple[int, int, int]], methods: List[str], tests: List[str]) -> List[str]:
    header = "| decoding method | " + " | ".join(f"{t} (PyTorch) | {t} (sherpa-onnx)" for t in tests) + " |"
    lines = ["## Audio without digits (silence, noise): utterances given any output", "", header,
             "|" + "---|" * (1 + 2 * len(tests))]
    for method in methods:
        row = [method]
        for t in tests:
            for system in ("PyTorch", "sherpa-onnx"):
                c = counts.get((method, t, system))
                row.append(f"{c[0]}/{c[1]} ({c[2]} words)" if c else "–")
        lines.append("| " + " | ".join(row) + " |")
    return lines


def utterance_ages(cuts: CutSet, path: Path) -> Dict[str, int]:
    ages = {}
    for cut in cuts:
        sup = cut.supervisions[0]
        if not sup.custom or "age" not in sup.custom:
            raise InputError(f"{path}: cut {cut.id} has no speaker age (custom 'age'), needed by results.age_groups")
        ages[cut.id] = int(sup.custom["age"])
    return ages


def age_group_lines(cfg: ResultsConfig, exp_dir: Path, methods: List[str], tests: List[str],
                    manifests: Dict[str, Path]) -> List[str]:
    """WER per age group, PyTorch and sherpa-onnx, recomputed from the recogs files."""
    groups = list(cfg.age_groups.items())
    header = "| decoding method | test set | " + " | ".join(
        f"{g} {lo}-{hi} (PyTorch) | {g} {lo}-{hi} (sherpa-onnx)" for g, (lo, hi) in groups) + " |"
    lines = ["## WER (%) by speaker age", "", header, "|" + "---|" * (2 + 2 * len(groups))]
    for t in tests:
        if t not in manifests:
            raise InputError(f"results.age_groups: no cut manifest given for test set '{t}'")
        ages = utterance_ages(CutSet.from_file(manifests[t]), manifests[t])
        for method in methods:
            results = [read_recogs(f) if f is not None else None for f in recogs_files(exp_dir, method, t)]
            row = [method, t]
            for _, (lo, hi) in groups:
                for res in results:
                    subset = [r for r in res if lo <= ages.get(r[0], -1) <= hi] if res is not None else []
                    row.append(f"{compute_wer(subset)[0]:.2f} ({sum(len(r[1]) for r in subset)} words)" if subset else "–")
            lines.append("| " + " | ".join(row) + " |")
    return lines


def test_set_lines(tests: List[str], manifests: Dict[str, Path], max_names: int = 10) -> List[str]:
    """Who speaks in each test set, read from the cut manifests the preparation wrote (never from
    the command line, which may name speakers that preparation did not hold out)."""
    lines = ["## Test sets (from the prepared manifests)", "", "| test set | utterances | speakers |", "|---|---|---|"]
    for t in tests:
        if t not in manifests or not manifests[t].is_file():
            raise InputError(f"{manifests.get(t, t)}: cut manifest of test set '{t}' does not exist")
        cuts = CutSet.from_file(manifests[t])
        speakers = sorted({s.speaker for c in cuts for s in c.supervisions if s.speaker})
        names = ", ".join(speakers) if len(speakers) <= max_names else f"{len(speakers)} speakers"
        lines.append(f"| {t} | {len(cuts)} | {names} |")
    return lines


def speed_table(rows: List[Dict]) -> List[str]:
    """Markdown rows of icefall_ext.bin.train_speed's measurements."""
    lines = ["| device | mixed precision | timed steps | steps/s | dev WER after them (%) |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['device']} | {r['amp']} | {r['timed_steps']} | {r['steps_per_s']:.2f} | {r['dev_wer']:.1f} |")
    return lines


def long_file_lines(exp_dir: Path, methods: List[str], suffix: Optional[str], reference: str) -> List[str]:
    """The long files' WERs (icefall_ext.bin.decode_long_files) cut at pauses and decoded whole,
    beside the test set they were made of; empty when they were not decoded."""
    if suffix is None:
        return []
    rows = []
    for method in methods:
        values = [read_wer_summary(exp_dir / method / f"wer-summary-{name}-{suffix}.txt")
                  for name in (reference, LONG_SET, LONG_SET_WHOLE)]
        if values[1] is not None or values[2] is not None:
            rows.append(f"| {method} | {fmt(values[0])} | {fmt(values[1])} | {fmt(values[2])} |")
    if not rows:
        return []
    return [f"## Long files: {reference} utterances of one speaker joined end to end, PyTorch, WER (%)", "",
            f"Cut at pauses as `transcribe` does (`{LONG_SET}`) and decoded whole (`{LONG_SET_WHOLE}`).", "",
            f"| decoding method | {reference} | {LONG_SET}, cut at pauses | {LONG_SET_WHOLE}, whole |", "|---|---|---|---|"] + rows


def baseline_lines(baseline: Baseline, exp_dir: Path, methods: List[str], tests: List[str]) -> Tuple[List[str], Optional[bool]]:
    """The table of WERs against the baseline run (PyTorch), and whether every method and test set
    stays within its relative bound (None when a WER of either run is missing)."""
    base_dir = Path(baseline.exp_dir)
    lines = [f"## Against {baseline.name} (`{baseline.exp_dir}`), same test utterances", "",
             "WER(this run) - WER(baseline) in points, with a 95 % paired bootstrap interval over utterances "
             "(1,000 resamples).", "",
             "| decoding method | test set | baseline | this run | difference [95 % CI] | relative |", "|---|---|---|---|---|---|"]
    verdicts = []
    for method in methods:
        for t in tests:
            ours, theirs = recogs_files(exp_dir, method, t)[0], recogs_files(base_dir, method, t)[0]
            if ours is None or theirs is None:
                lines.append(f"| {method} | {t} | {'–' if theirs is None else 'decoded'} | {'–' if ours is None else 'decoded'} | – | – |")
                verdicts.append(None)
                continue
            a, b = read_recogs(theirs), read_recogs(ours)
            wer_a, wer_b = compute_wer(a)[0], compute_wer(b)[0]
            diff, low, high = paired_bootstrap_wer_difference(a, b)
            relative = (wer_b - wer_a) / wer_a if wer_a > 0 else (0.0 if wer_b == 0 else float("inf"))
            lines.append(f"| {method} | {t} | {wer_a:.2f} | {wer_b:.2f} | {diff:+.2f} [{low:+.2f}, {high:+.2f}] | {100 * relative:+.1f} % |")
            verdicts.append(relative <= baseline.max_relative_increase)
    ok = None if any(v is None for v in verdicts) or not verdicts else all(verdicts)
    return lines, ok


@dataclass
class StreamingRow:
    """One search, test set and chunk of the streaming stages (WERs in %, None where not decoded)."""

    method: str
    test: str
    chunk_frames: int
    torch_wer: Optional[float]
    sherpa_wer: Optional[float]
    full_context_wer: Optional[float]
    timing: Optional[StreamingTiming]

    @property
    def relative_to_full_context(self) -> Optional[float]:
        if self.torch_wer is None or self.full_context_wer is None:
            return None
        if self.full_context_wer == 0:
            return 0.0 if self.torch_wer == 0 else float("inf")
        return (self.torch_wer - self.full_context_wer) / self.full_context_wer


def measure_streaming(exp_dir: Path, methods: List[str], chunks: List[int], tests: List[str]) -> List[StreamingRow]:
    rows = []
    for method in methods:
        for t in tests:
            full = newest_torch_summary(exp_dir, method, full_context_name(t))
            for c in chunks:
                torch_summary = newest_torch_summary(exp_dir, streaming_method(method), chunk_name(t, c))
                sherpa = sherpa_streaming_dir(exp_dir, method)
                rows.append(StreamingRow(
                    method, t, c, read_wer_summary(torch_summary) if torch_summary else None,
                    read_wer_summary(sherpa / f"wer-summary-{chunk_name(t, c)}.txt"),
                    read_wer_summary(full) if full else None, read_timing(sherpa / f"timing-{chunk_name(t, c)}.json")))
    return rows


def streaming_lines(rows: List[StreamingRow]) -> List[str]:
    lines = ["## Streaming vs full context, WER (%)", "",
             "The same causal model decoded chunk by chunk (PyTorch's streaming search and sherpa-onnx's "
             "OnlineRecognizer on its streaming export, the audio fed one chunk at a time) and with attention over "
             "the whole utterance (full context). RTF: sherpa-onnx's whole decode over the audio duration; "
             "ms a chunk: one encoder call and its search.", "",
             "| search | test set | chunk | PyTorch streaming | sherpa-onnx streaming | full context | streaming vs full "
             "context | sherpa-onnx RTF (threads) | ms a chunk |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        rel = r.relative_to_full_context
        timing = r.timing
        lines.append(
            f"| {r.method} | {r.test} | {r.chunk_frames} frames ({10 * r.chunk_frames} ms) | {fmt(r.torch_wer)} | "
            f"{fmt(r.sherpa_wer)} | {fmt(r.full_context_wer)} | {'–' if rel is None else f'{100 * rel:+.1f} %'} | "
            f"{'–' if timing is None else f'{timing.rtf:.4f} ({timing.num_threads})'} | "
            f"{'–' if timing is None else f'{timing.mean_chunk_ms:.2f}'} |")
    return lines


def streaming_target_lines(targets: StreamingTargets, rows: List[StreamingRow]) -> List[str]:
    at = [r for r in rows if r.chunk_frames == targets.chunk_frames]
    rels = [r.relative_to_full_context for r in at]
    worst_rel = None if not at or any(v is None for v in rels) else max(rels)
    gaps = [None if r.torch_wer is None or r.sherpa_wer is None else abs(r.sherpa_wer - r.torch_wer) for r in rows]
    worst_gap = None if not rows or any(g is None for g in gaps) else max(gaps)
    rtfs = [None if r.timing is None else r.timing.rtf for r in rows]
    worst_rtf = None if not rows or any(v is None for v in rtfs) else max(rtfs)
    threads = sorted({r.timing.num_threads for r in rows if r.timing is not None})
    return [
        f"- streaming WER at {10 * targets.chunk_frames} ms chunks within {100 * targets.max_relative_to_full_context:.0f} % "
        f"(relative) of full context, PyTorch, every search and test set: worst "
        f"{'–' if worst_rel is None else f'{100 * worst_rel:+.1f} %'}: "
        f"{verdict(None if worst_rel is None else worst_rel <= targets.max_relative_to_full_context)}",
        f"- sherpa-onnx streaming within {targets.max_sherpa_onnx_gap:.2f} absolute of PyTorch streaming, largest gap over "
        f"chunks, searches and sets: {fmt(worst_gap)}: "
        f"{verdict(None if worst_gap is None else worst_gap <= targets.max_sherpa_onnx_gap)}",
        f"- sherpa-onnx streaming RTF below {targets.max_rtf:g} on {', '.join(map(str, threads)) or '–'} thread, worst: "
        f"{fmt(worst_rtf, '.4f')}: {verdict(None if worst_rtf is None else worst_rtf < targets.max_rtf)}",
    ]


def verdict(ok: Optional[bool]) -> str:
    return "not measured" if ok is None else ("met" if ok else "**NOT met**")


def target_lines(cfg: ResultsConfig, m: Measured, methods: List[str], train_minutes: Optional[float],
                 silence: Optional[Dict[Tuple[str, str, str], Tuple[int, int, int]]] = None,
                 baseline_ok: Optional[bool] = None) -> List[str]:
    """One line per target of the config: the measured value, the threshold, met / NOT met."""
    lines = []
    for test, limit in cfg.max_wer.items():
        values = [(m.torch_wer.get((meth, test)), meth) for meth in methods]
        values = [(v, meth) for v, meth in values if v is not None]
        best = min(values) if values else None
        shown = f"{best[0]:.2f} ({best[1]})" if best else "–"
        lines.append(f"- {test} WER below {limit:.2f} %, PyTorch, best method: {shown}: {verdict(best[0] < limit if best else None)}")
    for rel in cfg.relative_wer:
        pairs = [(meth, m.torch_wer.get((meth, rel.test_set)), m.torch_wer.get((meth, rel.reference))) for meth in methods]
        measured = all(w is not None and r is not None for _, w, r in pairs)
        shown = ", ".join(f"{meth} {fmt(w)} vs {fmt(r)}" for meth, w, r in pairs)
        ok = all(w <= r * (1 + rel.max_increase) for _, w, r in pairs) if measured else None
        lines.append(f"- {rel.test_set} WER within {100 * rel.max_increase:.0f} % (relative) of {rel.reference}'s, "
                     f"PyTorch, every method: {shown}: {verdict(ok)}")
    if cfg.max_silence_output_share is not None:
        counts = list((silence or {}).values())
        worst = max((c[0] / max(c[1], 1) for c in counts), default=None)
        lines.append(f"- {', '.join(cfg.silence_sets)}: at most {100 * cfg.max_silence_output_share:.0f} % of the "
                     f"utterances given any output, PyTorch and sherpa-onnx, every method: worst "
                     f"{fmt(None if worst is None else 100 * worst, '.1f')} %: "
                     f"{verdict(worst <= cfg.max_silence_output_share if worst is not None else None)}")
    if cfg.max_sherpa_onnx_gap is not None:
        gaps = [
            abs(m.sherpa_wer[k] - m.torch_wer[k])
            for k in m.torch_wer
            if m.torch_wer[k] is not None and m.sherpa_wer.get(k) is not None
        ]
        gap = max(gaps) if gaps else None
        lines.append(
            f"- sherpa-onnx within {cfg.max_sherpa_onnx_gap:.2f} absolute of PyTorch, largest gap over methods and sets: "
            f"{fmt(gap)}: {verdict(gap <= cfg.max_sherpa_onnx_gap if gap is not None else None)}"
        )
    if cfg.baseline is not None:
        lines.append(f"- WER within {100 * cfg.baseline.max_relative_increase:.0f} % (relative) of {cfg.baseline.name}'s, "
                     f"PyTorch, every method and test set: {verdict(baseline_ok)}")
    if cfg.max_train_minutes is not None:
        lines.append(
            f"- training at most {cfg.max_train_minutes:.0f} min: {fmt(train_minutes, '.1f')} min: "
            f"{verdict(train_minutes <= cfg.max_train_minutes if train_minutes is not None else None)}"
        )
    return lines


def build_report(exp_dir: Path, methods: List[str], tests: List[str], command: str, title: str,
                 cfg: ResultsConfig, manifests: Optional[Dict[str, Path]] = None,
                 streaming_methods: List[str] = (), streaming_chunks: List[int] = ()) -> str:
    """manifests: test set -> cut manifest, read for the speakers of each test set and results.age_groups.
    streaming_methods, streaming_chunks: those of the streaming stages (a causal model's), reported
    with cfg.streaming's targets where given."""
    lines = [f"# {title}", "", "Produced by:", "", "```bash", command, "```", ""]
    history = read_tsv(exp_dir / "log" / "loss.tsv")
    train_minutes = None
    if history:
        last = history[-1]
        train_minutes = float(last["train_wall_s"]) / 60
        lines += [
            f"Training: {last['epoch']} epochs, {last['step']} steps, {train_minutes:.1f} min wall time "
            f"({last.get('device', 'cpu x1')}) on a machine with {os.cpu_count()} CPUs ({platform.machine()}); "
            f"final train/valid loss per frame {float(last['train_loss']):.4f}/{float(last['valid_loss']):.4f}.",
            "",
        ]
    silence_tests = [t for t in tests if t in cfg.silence_sets]
    tests = [t for t in tests if t not in cfg.silence_sets]
    m = measure(exp_dir, methods, tests)
    header = "| decoding method | " + " | ".join(f"{t} (PyTorch) | {t} (sherpa-onnx)" for t in tests) + " |"
    lines += ["## WER (%)", "", header, "|" + "---|" * (1 + 2 * len(tests))]
    for method in methods:
        row = [method]
        for t in tests:
            row += [fmt(m.torch_wer[method, t]), fmt(m.sherpa_wer[method, t])]
        lines.append("| " + " | ".join(row) + " |")
    if m.suffix:
        lines += ["", f"PyTorch model: {m.suffix} (averaged checkpoints)."]
    if manifests:
        lines += [""] + test_set_lines(tests, manifests)
    long_files = long_file_lines(exp_dir, methods, m.suffix, tests[0]) if tests else []
    if long_files:
        lines += [""] + long_files
    silence = silence_outputs(exp_dir, methods, silence_tests)
    if silence_tests:
        lines += [""] + silence_lines(silence, methods, silence_tests)
    if cfg.age_groups:
        lines += [""] + age_group_lines(cfg, exp_dir, methods, tests, manifests or {})
    if cfg.anchors:
        lines += ["", "## Published anchors (cited, not measured here)", "", "| system | test set | WER (%) | source |",
                  "|---|---|---|---|"]
        lines += [f"| {a.system} | {a.test_set} | {a.wer:.2f} | {a.source} |" for a in cfg.anchors]
    baseline_ok = None
    if cfg.baseline is not None:
        table, baseline_ok = baseline_lines(cfg.baseline, exp_dir, methods, tests)
        lines += [""] + table
    streaming = measure_streaming(exp_dir, list(streaming_methods), list(streaming_chunks), tests)
    if streaming:
        lines += [""] + streaming_lines(streaming)
    targets = target_lines(cfg, m, methods, train_minutes, silence, baseline_ok)
    if streaming and cfg.streaming is not None:
        targets += streaming_target_lines(cfg.streaming, streaming)
    if targets:
        lines += ["", "## Targets (computed from the tables above)", ""] + targets
    rtf_lines = []
    for method in methods:
        for t in tests + silence_tests:
            r = read_rtf(exp_dir / "onnx" / method / f"rtf-{t}.txt")
            if r is not None:
                rtf_lines.append(f"| {method} | {t} | {r.rtf:.4f} | {r.num_threads} | {r.audio_seconds:.1f} |")
    if rtf_lines:
        lines += ["", "## sherpa-onnx real-time factor", "", "| method | test set | RTF | threads | audio (s) |", "|---|---|---|---|---|"]
        lines += rtf_lines
    speed_file = exp_dir / "train_speed.json"
    if speed_file.is_file():
        speed = json.loads(speed_file.read_text())
        lines += ["", "## Training speed: CPU beside CUDA", "", "Produced by:", "", "```bash", speed["command"], "```", ""]
        lines += speed_table(speed["rows"])
    return "\n".join(lines) + "\n"
