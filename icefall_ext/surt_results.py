"""The SURT recipe's scoring and RESULTS.md (issue 23), from the decode files of every late weight
(decoding/surt_files.py) and the single-talker streaming model's recogs on the same utterances.

- ORC-WER on the two-talker test mixtures by overlap-ratio bin (decoding/orc_wer.py, meeteval);
- the same SURT model on the single-talker test utterances (ORC-WER: the one reference goes to one
  channel, and what the other channel says counts as insertions);
- the single-talker streaming model's WER on those utterances, each of which is the first talker
  of one test mixture and the second talker of others;
- per-channel <eos> endpoint latency against each speaker's forced-alignment end
  (decoding/surt_endpoints.py), p50/p90, early cutoffs and no-endpoint rate.
The targets of `surt` are computed here and printed as met / NOT met.
"""
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from icefall_ext.asr_config import SurtRecipeConfig
from icefall_ext.decoding.endpoint_metrics import Endpointed, endpoint_metrics
from icefall_ext.decoding.orc_wer import OrcScore, score_by_overlap, score_mixture
from icefall_ext.decoding.scoring import compute_wer, read_recogs
from icefall_ext.decoding.surt_endpoints import channel_endpoints
from icefall_ext.decoding.surt_files import DecodedMixture
from icefall_ext.models.subsampling import SUBSAMPLING_FACTOR
from icefall_ext.results import fmt, verdict
from recipe_common.errors import InputError
from recipe_common.plot import plt, save_figure

FRAME_SECONDS = SUBSAMPLING_FACTOR * 0.01  # one encoder frame


@dataclass
class SurtScores:
    by_overlap: Dict[str, OrcScore]  # test mixtures, bins in order, "all" last
    singles: OrcScore  # the single-talker test utterances through SURT
    endpoints: Dict[str, float]  # endpoint_metrics over every reference of the test mixtures


def channel_texts(d: DecodedMixture, decode: Callable[[List[int]], str]) -> List[str]:
    return [decode(c.tokens) for c in d.channels]


def score_decoded(mixtures: List[DecodedMixture], singles: List[DecodedMixture], edges: Sequence[float],
                  decode: Callable[[List[int]], str], eos_id: int) -> SurtScores:
    """ORC-WER by overlap bin, on the singles, and the per-channel endpoints under the ORC assignment."""
    if not mixtures or not singles:
        raise InputError(f"nothing to score: {len(mixtures)} decoded mixtures, {len(singles)} single-talker utterances")
    by_overlap = score_by_overlap({d.id: (d.overlap_ratio, [r.text for r in d.references], channel_texts(d, decode))
                                   for d in mixtures}, edges)
    rows: List[Endpointed] = []
    for d in mixtures:
        if any(r.end is None for r in d.references):
            raise InputError(f"mixture '{d.id}': a reference without a word alignment, no endpoint latency to measure")
        assignment = score_mixture([r.text for r in d.references], channel_texts(d, decode)).assignments[0]
        rows += channel_endpoints(d.id, [(c.tokens, c.frames) for c in d.channels],
                                  [(r.text, r.end) for r in d.references], assignment, eos_id, decode, FRAME_SECONDS)
    single = OrcScore()
    for d in singles:
        single.add(score_mixture([r.text for r in d.references], channel_texts(d, decode)))
    return SurtScores(by_overlap, single, endpoint_metrics(rows))


def single_talker_wer(recogs: Path, cut_ids: Sequence[str]) -> float:
    """WER (%) of a recogs file over exactly the given utterances (one line naming a missing one)."""
    results = {r[0]: r for r in read_recogs(recogs)}
    missing = [i for i in cut_ids if i not in results]
    if missing:
        raise InputError(f"{recogs}: no hypothesis for '{missing[0]}' ({len(missing)} of {len(cut_ids)} missing)")
    return compute_wer([results[i] for i in cut_ids])[0]


def finite(x: float) -> Optional[float]:
    """None for NaN (endpoint_metrics' latency where nothing endpointed), which results.fmt prints as a dash."""
    return None if math.isnan(x) else x


def training_lines(histories: Dict[float, List[Dict[str, str]]]) -> List[str]:
    """One line per late weight from its log/loss.tsv: epochs, steps, wall time, final losses."""
    lines = ["## Training", "", "| late weight | epochs | steps | wall time (min) | device | train / valid loss per frame |",
             "|---|---|---|---|---|---|"]
    for w, history in sorted(histories.items()):
        if not history:
            raise InputError(f"late weight {w:g}: no training history (log/loss.tsv); train first")
        last = history[-1]
        lines.append(f"| {w:g} | {last['epoch']} | {last['step']} | {float(last['train_wall_s']) / 60:.1f} | "
                     f"{last.get('device', 'cpu x1')} on {os.cpu_count()} CPUs | "
                     f"{float(last['train_loss']):.4f} / {float(last['valid_loss']):.4f} |")
    return lines + [""]


def report_lines(scores: Dict[float, SurtScores], baseline_wer: float, cfg: SurtRecipeConfig,
                 onnx_max_diff: Optional[float], onnx_same_tokens: Optional[bool]) -> List[str]:
    """The RESULTS.md sections of every late weight's scores (keys: the late weights)."""
    weights = sorted(scores)
    twin, top = scores[0.0], scores[weights[-1]]
    lines = ["## ORC-WER (%) on the two-talker test mixtures, by overlap ratio", "",
             "| late weight | " + " | ".join(f"overlap {b}" for b in twin.by_overlap) + " |",
             "|---|" + "---|" * len(twin.by_overlap)]
    for w in weights:
        lines.append(f"| {w:g} | " + " | ".join(f"{100 * s.rate:.2f} ({s.mixtures})" for s in scores[w].by_overlap.values())
                     + " |")
    lines += ["", "In brackets: mixtures in the bin. ORC-WER sums errors over reference words of the bin (meeteval's "
              "orc_word_error_rate per mixture).", "",
              "## Single-talker test utterances", "",
              "| system | WER (%) |", "|---|---|",
              f"| single-talker streaming model (the source, greedy, chunk {cfg.chunk_frames}) | {baseline_wer:.2f} |"]
    for w in weights:
        lines.append(f"| SURT, late weight {w:g} (ORC-WER: the other channel's words are insertions) | "
                     f"{100 * scores[w].singles.rate:.2f} |")
    lines += ["", "## Per-channel <eos> endpoints on the test mixtures", "",
              "| late weight | latency p50 (s) | latency p90 (s) | early cutoff | no endpoint | WER before the endpoint (%) |",
              "|---|---|---|---|---|---|"]
    for w in weights:
        e = scores[w].endpoints
        lines.append(f"| {w:g} | {fmt(finite(e['latency_p50']), '.3f')} | {fmt(finite(e['latency_p90']), '.3f')} | "
                     f"{100 * e['early_cutoff_rate']:.1f} % | {100 * e['no_endpoint_rate']:.1f} % | {e['wer']:.2f} |")
    lines += ["", "Latency: the end of the encoder frame of each reference's <eos> on its ORC-assigned channel, minus "
              "the end of its last word in the mixture (the source model's forced alignment, offset by the delay).", ""]

    orc = 100 * twin.by_overlap["all"].rate
    lines += ["## Targets (computed from the tables above)", ""]
    ratio = orc / baseline_wer if baseline_wer > 0 else math.inf
    lines.append(f"- ORC-WER on the test mixtures (late weight 0) at most {cfg.max_orc_wer_ratio:g} x the single-talker "
                 f"streaming WER {baseline_wer:.2f}: {orc:.2f} ({ratio:.2f} x): {verdict(ratio <= cfg.max_orc_wer_ratio)}")
    if len(weights) > 1:
        p50_0, p50_w = twin.endpoints["latency_p50"], top.endpoints["latency_p50"]
        cut = (p50_0 - p50_w) / p50_0 if p50_0 > 0 else math.nan
        orc_w = 100 * top.by_overlap["all"].rate
        change = abs(orc_w - orc) / orc if orc > 0 else math.inf
        lines.append(f"- late weight {weights[-1]:g} cuts the median endpoint latency by at least "
                     f"{100 * cfg.min_median_latency_cut:.0f} %: {fmt(finite(p50_0), '.3f')} s -> {fmt(finite(p50_w), '.3f')} s "
                     f"({fmt(100 * cut if not math.isnan(cut) else None, '.1f')} %): "
                     f"{verdict(not math.isnan(cut) and cut >= cfg.min_median_latency_cut)}")
        lines.append(f"- with at most {100 * cfg.max_orc_wer_change:.0f} % relative ORC-WER change: {orc:.2f} -> "
                     f"{orc_w:.2f} ({100 * change:.1f} %): {verdict(change <= cfg.max_orc_wer_change)}")
    if onnx_max_diff is not None:
        lines.append(f"- the ONNX driver equals PyTorch streaming: largest encoder output difference "
                     f"{onnx_max_diff:.2e}, greedy tokens "
                     f"{'the same on every checked mixture' if onnx_same_tokens else 'not the same on every checked mixture'}: {verdict(bool(onnx_same_tokens) and onnx_max_diff < 1e-3)}")
    return lines + [""]


def plot_mixture(path: Path, feats, masks, d: DecodedMixture, piece: Callable[[int], str], eos_id: int) -> None:
    """One mixture: its log-mel features, each channel's mask, and each channel's tokens at their
    encoder frames with the <eos> marked, the references' spans and word ends above."""
    c = masks.shape[0]
    fig, axes = plt.subplots(1 + c, 1, figsize=(10, 2.2 * (1 + c)), sharex=True)
    seconds = feats.shape[0] * 0.01
    axes[0].imshow(feats.T, origin="lower", aspect="auto", extent=(0, seconds, 0, feats.shape[1]))
    for k, r in enumerate(d.references):
        end = r.end if r.end is not None else seconds
        axes[0].hlines(feats.shape[1] * (0.9 - 0.1 * k), r.start, end, colors=f"C{k + 1}", linewidth=3)
        axes[0].text(r.start, feats.shape[1] * (0.93 - 0.1 * k), r.text, color="white", fontsize=7)
    axes[0].set_title(f"{d.id} (overlap ratio {d.overlap_ratio:.2f})", fontsize=8)
    axes[0].set_ylabel("mixture")
    for ch in range(c):
        ax = axes[1 + ch]
        ax.imshow(masks[ch].T, origin="lower", aspect="auto", extent=(0, seconds, 0, masks.shape[2]), vmin=0, vmax=1)
        for token, frame in zip(d.channels[ch].tokens, d.channels[ch].frames):
            t = (frame + 1) * FRAME_SECONDS
            is_eos = token == eos_id
            ax.axvline(t, color="red" if is_eos else "white", linewidth=1.5 if is_eos else 0.5)
            ax.text(t, masks.shape[2] * 0.85, "<eos>" if is_eos else piece(token), color="red" if is_eos else "white",
                    fontsize=7, rotation=90)
        ax.set_ylabel(f"mask, channel {ch}")
    axes[-1].set_xlabel("seconds")
    save_figure(fig, path)
