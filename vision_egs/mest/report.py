"""RESULTS.md of the MEST recipe from the measured files: per setting, each method's accuracy (mean ±
std over seeds, every seed with its 95 % Wilson interval), sparsity, training footprint against
dense, peak memory and step time; the data-efficiency run; the block scheme's step times; the
issue's targets checked from these numbers with the config's thresholds; and two figures."""
import json
import platform
import statistics
from pathlib import Path
from typing import Dict, List, Optional

from recipe_common.errors import InputError
from recipe_common.plot import plt, save_figure
from recipe_common.report import markdown_table, stage_times_table
from vision_egs.common.results import accuracy_cell
from vision_egs.mest.config import MestRecipeConfig, Setting
from vision_egs.mest.experiment import RunSpec, run_json, runs, step_times_path

LABELS = {"dense": "dense", "small_dense": "small-dense", "static": "static", "set": "SET", "rigl": "RigL",
          "mest_em": "MEST+EM", "mest_ems": "MEST+EM&S"}
MB = 2 ** 20
COLUMNS = ["accuracy (%) mean ± std", "per seed (%) [95% Wilson]", "sparsity", "nonzero params (M)",
           "footprint (MB)", "footprint / dense", "at update (MB)", "peak RSS (MB)", "step (ms)"]


def load_runs(cfg: MestRecipeConfig, exp_dir: Path) -> Dict[RunSpec, Dict]:
    out = {}
    for spec in runs(cfg):
        path = run_json(exp_dir, spec)
        if not path.is_file():
            raise InputError(f"{path}: run not trained (run stage 1)")
        out[spec] = json.loads(path.read_text())
    return out


def setting_runs(results: Dict[RunSpec, Dict], s: Setting, method: str) -> List[Dict]:
    """The finished runs of `method` at setting s, one per seed (dense: its own runs)."""
    return [r for spec, r in results.items() if spec.method == method and not spec.data_efficient
            and spec.seed in s.seeds and (method == "dense" or (spec.scheme, spec.sparsity) == (s.scheme, s.sparsity))]


def mean_std(rs: List[Dict]) -> (float, float):
    accs = [r["accuracy"] for r in rs]
    return statistics.mean(accs), statistics.stdev(accs) if len(accs) > 1 else 0.0


def method_row(rs: List[Dict]) -> Dict[str, str]:
    mean, std = mean_std(rs)
    r0 = rs[0]
    return {"accuracy (%) mean ± std": f"{100 * mean:.2f} ± {100 * std:.2f}",
            "per seed (%) [95% Wilson]": "; ".join(accuracy_cell(r["test_correct"], ".1f") for r in rs),
            "sparsity": f"{r0['sparsity']:.3f}", "nonzero params (M)": f"{r0['nonzero_parameters'] / 1e6:.3f}",
            "footprint (MB)": f"{r0['footprint_bytes'] / MB:.2f}",
            "footprint / dense": f"{r0['footprint_bytes'] / r0['dense_footprint_bytes']:.3f}",
            "at update (MB)": f"{r0['update_footprint_bytes'] / MB:.2f}",
            "peak RSS (MB)": f"{max(r['peak_rss_bytes'] for r in rs) / MB:.0f}",
            "step (ms)": f"{statistics.mean(r['step_ms'] for r in rs):.1f}"}


def setting_table(results: Dict[RunSpec, Dict], s: Setting) -> List[str]:
    rows = {LABELS[m]: method_row(rs) for m in s.methods if (rs := setting_runs(results, s, m))}
    return [f"## {s.scheme} at {s.sparsity:g} sparsity (seeds {', '.join(map(str, s.seeds))})", "",
            *markdown_table(rows, COLUMNS, "s", "method"), ""]


def mean_of(results, s: Setting, method: str) -> Optional[float]:
    rs = setting_runs(results, s, method)
    return mean_std(rs)[0] if rs else None


def verdict(ok: Optional[bool]) -> str:
    return "not measured" if ok is None else ("met" if ok else "NOT met")


def targets(cfg: MestRecipeConfig, results: Dict[RunSpec, Dict], steps: Dict) -> List[str]:
    s, t = cfg.settings[0], cfg.results
    ems = mean_of(results, s, "mest_ems")
    lines = [f"## Targets at {s.scheme} {s.sparsity:g} (mean test accuracy over seeds {s.seeds})", ""]
    for other, op in (("rigl", "≥"), ("set", "≥"), ("static", ">"), ("mest_em", "≥")):
        acc = mean_of(results, s, other)
        ok = None if ems is None or acc is None else (ems >= acc if op == "≥" else ems > acc)
        shown = "–" if acc is None or ems is None else f"{100 * ems:.2f} vs {100 * acc:.2f}"
        lines.append(f"- MEST+EM&S {op} {LABELS[other]}: {shown}: {verdict(ok)}")
    de = [r for spec, r in results.items() if spec.data_efficient]
    if de and cfg.data_efficiency is not None:
        full = setting_runs(results, s, cfg.data_efficiency.method)
        mean, std = mean_std(full) if full else (None, 0.0)
        for r in de:
            d = r["data_efficiency"]
            within = None if mean is None else r["accuracy"] >= mean - t.max_accuracy_drop_std * std
            lines.append(f"- data efficiency ({r['name']}): {100 * d['removed_fraction']:.1f} % removed (target ≥ "
                         f"{100 * t.min_removed_fraction:g} %), accuracy {100 * r['accuracy']:.2f} vs "
                         + ("–" if mean is None else f"{100 * mean:.2f} ± {100 * std:.2f}")
                         + f" (within {t.max_accuracy_drop_std:g} seed-std): "
                         + verdict(None if within is None else d["removed_fraction"] >= t.min_removed_fraction
                                   and within))
            lines.append(f"- data efficiency wall time per epoch: {d['epoch_s_before']:.1f} s → {d['epoch_s_after']:.1f}"
                         f" s, saving {100 * d['time_saving']:.1f} % (target ≥ {100 * t.min_time_saving:g} %): "
                         + verdict(d["time_saving"] >= t.min_time_saving))
    for name, st in steps.get("runs", {}).items():
        speedup = st["masked_forward_ms"] / st["compiled_forward_ms"]
        lines.append(f"- block scheme, compiled faster than masked dense ({name}; forward only, the compiler has "
                     f"no training path): {speedup:.2f}x (target > {t.min_block_speedup:g}x): "
                     f"{verdict(speedup > t.min_block_speedup)}")
    return lines


def step_table(steps: Dict) -> List[str]:
    if not steps.get("runs"):
        return []
    rows = {name: {"masked train step (ms)": st["masked_train_step_ms"], "masked forward (ms)": st["masked_forward_ms"],
                   "compiled forward (ms)": st["compiled_forward_ms"]} for name, st in steps["runs"].items()}
    return ["## Block scheme: step times (stage 2)", "",
            *markdown_table(rows, ["masked train step (ms)", "masked forward (ms)", "compiled forward (ms)"], ".2f", "run"),
            "", f"Batch {steps['batch_size']}, {steps['threads']} threads, medians. The pruning package's compiler "
            "folds batch norm with running statistics and holds weights as buffers, so it cannot train: a compiled "
            "training step does not exist; its forward is compared with the masked dense forward. MEST's 4x1 blocks "
            "leave most input channels read by some row, so the compiler mostly runs the layers dense.", ""]


def data_efficiency_table(results: Dict[RunSpec, Dict]) -> List[str]:
    rows = {}
    for spec, r in results.items():
        if spec.data_efficient:
            d = r["data_efficiency"]
            rows[r["name"]] = {"accuracy (%)": accuracy_cell(r["test_correct"], ".2f"),
                               "removed": f"{d['removed']} ({100 * d['removed_fraction']:.1f} %)",
                               "at epoch": str(d["remove_epoch"]), "epoch s before": f"{d['epoch_s_before']:.1f}",
                               "epoch s after": f"{d['epoch_s_after']:.1f}", "saving": f"{100 * d['time_saving']:.1f} %"}
    if not rows:
        return []
    cols = ["accuracy (%)", "removed", "at epoch", "epoch s before", "epoch s after", "saving"]
    return ["## Data efficiency (forgetting-based removal)", "", *markdown_table(rows, cols, "s", "run"), "",
            "Removed: the least-forgotten examples (Toneva et al.; never-learned ones kept). Epoch times are "
            "training only (no evaluation).", ""]


def plot_results(cfg: MestRecipeConfig, results: Dict[RunSpec, Dict], exp_dir: Path) -> None:
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for scheme in dict.fromkeys(s.scheme for s in cfg.settings):
        for method in LABELS:
            pts = [(s.sparsity, *mean_std(rs)) for s in cfg.settings if s.scheme == scheme
                   and method != "dense" and (rs := setting_runs(results, s, method))]
            if pts:
                pts.sort()
                ax.errorbar([p[0] for p in pts], [100 * p[1] for p in pts], [100 * p[2] for p in pts], marker="o",
                            capsize=3, label=f"{LABELS[method]} ({scheme})")
    dense = setting_runs(results, cfg.settings[0], "dense")
    if dense:
        ax.axhline(100 * mean_std(dense)[0], color="k", ls="--", lw=1, label="dense")
    ax.set_xlabel("sparsity")
    ax.set_ylabel("test accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6)
    fig.tight_layout()
    save_figure(fig, exp_dir / "accuracy_vs_sparsity.png")
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for s in cfg.settings:
        for method in s.methods:
            rs = setting_runs(results, s, method)
            if rs:
                ax.scatter(rs[0]["footprint_bytes"] / MB, 100 * mean_std(rs)[0], s=18)
                ax.annotate(f"{LABELS[method]} {'' if method == 'dense' else s.scheme[:5]}",
                            (rs[0]["footprint_bytes"] / MB, 100 * mean_std(rs)[0]), fontsize=6)
    ax.set_xscale("log")
    ax.set_xlabel("training footprint (MB, weights + gradients + momentum, compact)")
    ax.set_ylabel("test accuracy (%)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, exp_dir / "accuracy_vs_footprint.png")


def build_report(cfg: MestRecipeConfig, exp_dir: Path, command: str) -> str:
    results = load_runs(cfg, exp_dir)
    steps = json.loads(step_times_path(exp_dir).read_text()) if step_times_path(exp_dir).is_file() else {}
    plot_results(cfg, results, exp_dir)
    any_run = next(iter(results.values()))
    per_run = all(r["peak_rss_per_run"] for r in results.values())
    lines = ["# MEST: memory-economic sparse training on CIFAR-10", "",
             f"Command: `{command}`", "",
             f"{cfg.model.arch} (GraSP's, width {cfg.model.width:g}), {cfg.train.epochs} epochs, SGD lr "
             f"{cfg.train.lr:g} {cfg.train.schedule}, batch {cfg.train.batch_size}, weight decay "
             f"{cfg.train.weight_decay:g}; {len(any_run['test_correct'])} test images; mask updates every "
             f"{cfg.update.update_every} epochs, MEST stages from epochs {cfg.update.decay_epochs}, λ {cfg.update.lmd:g}. "
             f"Machine: {platform.machine()}, {cfg.threads} threads.", "",
             "Footprint: weights, gradients and momentum of every parameter, the sparse layers in their scheme's "
             "compact form with int32 indices (footprint.py), the maximum over training (MEST+EM&S trains above its "
             "target between updates); 'at update' adds the dense gradient RigL and MEST with λ > 0 rank by. "
             "Peak RSS: " + ("per run (VmHWM reset at its start)." if per_run else
                             "the training process's lifetime peak (VmHWM could not be reset)."), ""]
    for s in cfg.settings:
        lines += setting_table(results, s)
    lines += data_efficiency_table(results) + step_table(steps) + targets(cfg, results, steps)
    lines += ["", "Figures: accuracy_vs_sparsity.png and accuracy_vs_footprint.png in the experiment folder."]
    lines += stage_times_table(exp_dir / "log" / "stage_times.tsv")
    return "\n".join(lines) + "\n"
