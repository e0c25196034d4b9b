"""PNG figures for logs people would rather look at than read."""
from pathlib import Path
from typing import Dict, List, Union

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from recipe_common.io import atomic_path  # noqa: E402


def save_figure(fig, path: Union[str, Path]) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)


def plot_loss_curves(history: List[Dict], path: Union[str, Path]) -> None:
    """Train and validation loss per encoder frame, per epoch."""
    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    ax.plot(epochs, [h["valid_loss"] for h in history], "s-", label="valid")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss per frame (RNN-T + CTC aux.)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path)
