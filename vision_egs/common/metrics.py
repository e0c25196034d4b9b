"""Metrics on batches of images in [0, 1] and classifier outputs, and the statistics the RESULTS
writers print beside them: confidence intervals of accuracies and paired tests of the difference
between two models evaluated on the same test images."""
import math
from dataclasses import dataclass
from typing import Sequence, Tuple

import numpy as np
import torch
from scipy.stats import binomtest, wilcoxon


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    return (logits.argmax(-1) == labels).float().mean().item()


def psnr(x: torch.Tensor, ref: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """Per-image PSNR in dB, 10·log10(range² / MSE) over all pixels and channels."""
    mse = ((x - ref) ** 2).flatten(1).mean(1)
    return 10 * torch.log10(data_range**2 / mse.clamp_min(1e-12))


def l2_distance(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-image Euclidean distance."""
    return (x - y).flatten(1).norm(dim=1)


def top_fraction_iou(a: torch.Tensor, b: torch.Tensor, fraction: float) -> torch.Tensor:
    """Per-image IoU of the top `fraction` pixels of two maps (N, C, H, W), each pixel scored by
    the sum of squares over channels (CDD-RED's attribution alignment)."""
    sa, sb = (a**2).sum(1).flatten(1), (b**2).sum(1).flatten(1)
    k = max(1, int(round(fraction * sa.shape[1])))
    ma = torch.zeros_like(sa, dtype=torch.bool).scatter_(1, sa.topk(k, dim=1).indices, True)
    mb = torch.zeros_like(sb, dtype=torch.bool).scatter_(1, sb.topk(k, dim=1).indices, True)
    return (ma & mb).sum(1).float() / (ma | mb).sum(1).float()


def wilson_interval(correct: int, total: int, z: float = 1.959963984540054) -> Tuple[float, float, float]:
    """(accuracy, low, high): the 95 % Wilson score interval (z of the normal's 97.5 % quantile), which
    stays inside [0, 1] and keeps its coverage near 0 and 1 and on small test sets, where the
    normal approximation does not. No images: (nan, 0, 1)."""
    if total == 0:
        return math.nan, 0.0, 1.0
    p = correct / total
    denominator = 1 + z * z / total
    center = (p + z * z / (2 * total)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return p, max(0.0, center - half), min(1.0, center + half)


@dataclass(frozen=True)
class McNemar:
    """b: images model A gets right and model B wrong; c: the reverse; n: images; p: two-sided
    p-value of 'neither model is more accurate'."""
    b: int
    c: int
    n: int
    p: float

    @property
    def difference_points(self) -> float:
        """B's accuracy minus A's in points, from the counts (so a drop of exactly 1 point is -1.0)."""
        return (self.c - self.b) * 100 / self.n


def mcnemar_exact(correct_a: Sequence[bool], correct_b: Sequence[bool]) -> McNemar:
    """Exact McNemar test of two models on the same test images, from their per-image correctness:
    a two-sided binomial test of b against b + c discordant pairs at 1/2 (p = 1 when b + c = 0).
    Exact rather than chi-squared, since small test sets leave few discordant pairs."""
    right_a, right_b = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    if right_a.shape != right_b.shape:
        raise ValueError(f"correctness vectors of different lengths ({right_a.size} and {right_b.size})")
    b, c = int((right_a & ~right_b).sum()), int((~right_a & right_b).sum())
    p = 1.0 if b + c == 0 else float(binomtest(min(b, c), b + c, 0.5).pvalue)
    return McNemar(b, c, right_a.size, p)


def wilcoxon_paired(values_a: Sequence[float], values_b: Sequence[float]) -> float:
    """Two-sided p-value of the Wilcoxon signed-rank test (scipy; zero differences dropped) of
    per-example continuous scores of two models on the same examples, e.g. per-image IoU: it does
    not assume normal differences, which a bounded score on few images rarely has. 1 when no
    difference is nonzero."""
    a, b = np.asarray(values_a, dtype=float), np.asarray(values_b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"score vectors of different lengths ({a.size} and {b.size})")
    d = b - a
    if not np.any(d != 0):
        return 1.0
    return float(wilcoxon(d).pvalue)
