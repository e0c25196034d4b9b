"""RESULTS.md of vision_egs/sr_search from the measured files (eval/, latency/measured_*, search/,
pruning/, bicubic/): a table per scale with the published FSRCNN Set5 numbers beside ours, issue 27's
targets as met / NOT met, and the PSNR-vs-latency Pareto plot of every model (EXP_DIR/pareto.png)."""
from pathlib import Path
from typing import Dict, List, Optional

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from recipe_common.plot import save_figure  # noqa: E402
from recipe_common.report import stage_times_table  # noqa: E402
from vision_egs.sr_search.config import SRRecipeConfig  # noqa: E402
from vision_egs.sr_search.experiment import (PRUNED, SEARCHED, bicubic_path, eval_path, measured_path,  # noqa: E402
                                             ratios_path, read_json, search_path)
from vision_egs.sr_search.supernet import SubnetChoice  # noqa: E402

# Dong et al., "Accelerating the Super-Resolution Convolutional Neural Network", ECCV 2016: FSRCNN
# (56, 12, 4) trained on the Y channel of T91 + General100; Set5 PSNR (dB) / SSIM as the SR tables print them.
PUBLISHED_FSRCNN = {2: (37.00, 0.9558), 4: (30.72, 0.8660)}
PUBLISHED_SOURCE = "Dong et al., ECCV 2016 (FSRCNN; Y-channel model trained on T91 + General100)"
SEARCHED_MODELS = (SEARCHED, PRUNED)


def dominates(ev: Dict, ms: Dict[str, float], a: str, b: str) -> bool:
    """Model `a` has a higher Set5 PSNR than model `b` at equal or lower measured latency."""
    return ev[a]["tests"]["Set5"]["psnr"] > ev[b]["tests"]["Set5"]["psnr"] and ms[a] <= ms[b]


def scale_section(cfg: SRRecipeConfig, exp: Path, scale: int) -> List[str]:
    ev, lat = read_json(eval_path(exp, scale), "stage 8"), read_json(measured_path(exp, scale), "stage 9")
    bicubic = read_json(bicubic_path(exp), "stage 1")[f"x{scale}"]
    search, pruning = read_json(search_path(exp, scale), "stage 5"), read_json(ratios_path(exp, scale), "stage 6")
    tests = cfg.data.test_dirs
    ms_col = "ms per 720p frame" + ("" if lat["deployment"] else f" (extrapolated x{lat['per_frame']:.0f})")
    lines = [f"## x{scale}", "",
             f"Searched: {SubnetChoice(tuple(search['best']['choice']['widths']))} under {search['budget_ms']:g} ms "
             f"(predicted {search['best']['latency_ms']:.1f} ms); pruned by ratios "
             f"{', '.join(f'{r:g}' for r in pruning['ratios'])} to "
             f"{SubnetChoice(tuple(pruning['widths']))} under {pruning['budget_ms']:.1f} ms (predicted "
             f"{pruning['latency_ms']:.1f} ms), then fine-tuned.", "",
             "| model | " + " | ".join(f"{t} PSNR / SSIM" for t in tests) + f" | parameters | GMACs per 720p frame | {ms_col} |",
             "|---|" + "---|" * (len(tests) + 3)]

    def cells(scores: Dict[str, Dict[str, float]]) -> str:
        return " | ".join(f"{scores[t]['psnr']:.2f} / {scores[t]['ssim']:.4f}" if t in scores else "–" for t in tests)

    lines.append(f"| bicubic | {cells(bicubic)} | 0 | – | – |")
    for name, row in ev.items():
        lines.append(f"| {name} | {cells(row['tests'])} | {row['params']:,} | {row['macs_720p'] / 1e9:.2f} | "
                     f"{lat['ms_720p'][name]:.1f} |")
    psnr, ssim = PUBLISHED_FSRCNN[scale]
    lines.append(f"| FSRCNN, published | {cells({'Set5': {'psnr': psnr, 'ssim': ssim}})} | 12,464 (Y) | – | – |")
    return lines


def targets(cfg: SRRecipeConfig, exp: Path) -> List[str]:
    r, lines = cfg.results, ["## Targets (issue 27, item 7)", ""]
    fastest: Optional[tuple] = None
    for scale in cfg.data.scales:
        ev, ms = read_json(eval_path(exp, scale), "stage 8"), read_json(measured_path(exp, scale), "stage 9")["ms_720p"]
        winners = [m for m in SEARCHED_MODELS if all(dominates(ev, ms, m, b) for b in r.dominated)]
        verdict = f"met ({', '.join(winners)})" if winners else "NOT met"
        lines.append(f"- x{scale}: a searched model Pareto-dominates {' and '.join(r.dominated)} trained here "
                     f"(higher Set5 PSNR at equal or lower measured latency): {verdict}")
        for m in SEARCHED_MODELS:
            if fastest is None or ms[m] < fastest[0]:
                fastest = (ms[m], m, scale)
    ms, m, scale = fastest
    verdict = "met" if ms <= r.max_ms else "NOT met"
    lines.append(f"- a searched model runs a 720p frame in at most {r.max_ms:g} ms with {cfg.latency.threads} "
                 f"thread(s): {verdict} ({m} x{scale}, {ms:.1f} ms)")
    lines.append(f"- the published FSRCNN numbers are printed beside ours: {PUBLISHED_SOURCE}")
    return lines


def pareto_plot(cfg: SRRecipeConfig, exp: Path, path: Path) -> None:
    """Set5 PSNR against measured ms per 720p frame, one panel per scale; bicubic as a line."""
    scales = cfg.data.scales
    fig, axes = plt.subplots(1, len(scales), figsize=(5 * len(scales), 3.8), squeeze=False)
    for ax, scale in zip(axes[0], scales):
        ev, ms = read_json(eval_path(exp, scale), "stage 8"), read_json(measured_path(exp, scale), "stage 9")["ms_720p"]
        for name, row in ev.items():
            marker = "*" if name in SEARCHED_MODELS else "o"
            ax.plot(ms[name], row["tests"]["Set5"]["psnr"], marker, ms=10 if marker == "*" else 7, label=name)
        bicubic = read_json(bicubic_path(exp), "stage 1")[f"x{scale}"]["Set5"]["psnr"]
        ax.axhline(bicubic, ls="--", color="grey", label="bicubic")
        ax.set_xlabel("ms per 720p frame (ONNX Runtime)")
        ax.set_ylabel("Set5 PSNR (dB, Y)")
        ax.set_title(f"x{scale}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)


def build_report(cfg: SRRecipeConfig, exp: Path, command: str) -> str:
    lat = cfg.latency
    plot = Path(exp) / "pareto.png"
    pareto_plot(cfg, exp, plot)
    shapes = ", ".join(f"x{s} {lat.input[s][1]}x{lat.input[s][0]}" for s in cfg.data.scales)
    deployment = all(lat.at_deployment(s) for s in cfg.data.scales)
    lines = ["# Real-time super-resolution by architecture and pruning search (vision_egs/sr_search)", "",
             f"Produced by `{command}`.", "",
             f"PSNR/SSIM on the Y channel (BT.601 studio range, 8-bit output, scale pixels shaved). Latency: "
             f"ONNX Runtime on the CPU, {lat.threads} thread(s) pinned, median of {lat.rounds} interleaved rounds "
             f"(every model once per round) at LR input {shapes}"
             + (", the deployment shape of a 720p output frame." if deployment else
                ": not the deployment shape (a CI config), so ms per 720p frame are extrapolated by pixel "
                "count, and over-estimates."), ""]
    for scale in cfg.data.scales:
        lines += scale_section(cfg, exp, scale) + [""]
    lines += targets(cfg, exp)
    lines += ["", f"PSNR vs latency of every model: `{plot}`"]
    lines += stage_times_table(Path(exp) / "log" / "stage_times.tsv")
    return "\n".join(lines) + "\n"
