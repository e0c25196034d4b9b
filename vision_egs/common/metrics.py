"""Metrics on batches of images in [0, 1] and classifier outputs."""
import torch


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
