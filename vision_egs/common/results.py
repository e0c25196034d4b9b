"""Vision result writers: training-history and image-grid figures, the per-image results the
paired tests read, accuracy cells with their confidence intervals, and the RESULTS.md stage."""
import argparse
import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Type, Union

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from recipe_common.config import load_config  # noqa: E402
from recipe_common.errors import InputError  # noqa: E402
from recipe_common.io import write_text_atomic  # noqa: E402
from recipe_common.plot import save_figure  # noqa: E402
from vision_egs.common.metrics import wilson_interval  # noqa: E402


def plot_history(history: List[Dict], path: Union[str, Path]) -> None:
    """Every numeric column of a training history against the epoch, loss-like on the left,
    accuracy-like on the right."""
    keys = [k for k in history[0] if k not in ("epoch", "lr", "epoch_s")]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    epochs = [h["epoch"] for h in history]
    for k in keys:
        ax = axes[1] if ("acc" in k or "pa_" in k) else axes[0]
        ax.plot(epochs, [h[k] for h in history], "o-", ms=3, label=k)
    for ax, title in zip(axes, ["loss", "accuracy"]):
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)


def image_grid(columns: Dict[str, torch.Tensor], path: Union[str, Path], title: str = "") -> None:
    """A grid with one column per named batch (N, 3, H, W) in [0, 1] and one row per image."""
    names = list(columns)
    n = columns[names[0]].shape[0]
    fig, axes = plt.subplots(n, len(names), figsize=(1.6 * len(names), 1.6 * n), squeeze=False)
    for j, name in enumerate(names):
        for i in range(n):
            ax = axes[i][j]
            ax.imshow(columns[name][i].detach().clamp(0, 1).permute(1, 2, 0).cpu().numpy(), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(name, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    save_figure(fig, path)


def write_per_image(path: Union[str, Path], values: Dict[str, torch.Tensor]) -> None:
    """Per-image values of named models on one test set, in its order (1/0 for right/wrong, or a
    score), as one JSON mapping written atomically: the paired tests of the RESULTS writers need
    which images each model got right, not only how many."""
    data = {name: (v.int() if v.dtype == torch.bool else v).tolist() for name, v in values.items()}
    write_text_atomic(path, json.dumps(data) + "\n")


def read_per_image(path: Path, stage: str) -> Dict[str, np.ndarray]:
    """What write_per_image wrote; a missing file (an experiment measured before the files existed)
    is one line naming it and the stage that writes it."""
    if not path.is_file():
        raise InputError(f"{path}: no per-image results (run {stage} again)")
    return {name: np.asarray(v) for name, v in json.loads(path.read_text()).items()}


def accuracy_cell(correct: Sequence[bool], fmt: str = ".1f") -> str:
    """An accuracy in % with its 95 % Wilson interval: '45.3 [42.2, 48.4]'."""
    correct = np.asarray(correct, dtype=bool)
    p, low, high = wilson_interval(int(correct.sum()), correct.size)
    return f"{100 * p:{fmt}} [{100 * low:{fmt}}, {100 * high:{fmt}}]"


def write_results_main(description: str, config_cls: Type, build_report: Callable[[Any, Path, str], str]) -> None:
    """The last stage of a vision recipe: `--config --exp-dir --command --out`; writes the report
    that build_report(config, exp_dir, command) returns to --out atomically, and prints it."""
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--exp-dir", required=True, type=Path)
    p.add_argument("--command", required=True)
    p.add_argument("--out", required=True, type=Path)
    args = p.parse_args()
    report = build_report(load_config(args.config, config_cls), args.exp_dir, args.command)
    write_text_atomic(args.out, report)
    print(report)
