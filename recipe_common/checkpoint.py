"""Epoch checkpoints (`exp/epoch-N.pt`), resuming, and averaging the last ones."""
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import torch

from recipe_common.errors import InputError
from recipe_common.io import atomic_path

_EPOCH = re.compile(r"^epoch-(\d+)\.pt$")


def save_checkpoint(path: Union[str, Path], **state: Any) -> None:
    """Atomically; written through a Python file so that a full disk is an OSError with its errno
    (atomic_path's one line), not the C++ writer's 'basic_ios::clear: iostream error'."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        torch.save(state, f)


def load_checkpoint(path: Union[str, Path]) -> Dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: checkpoint does not exist")
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:
        raise InputError(f"{path}: not a readable checkpoint ({type(e).__name__})")


def first_difference(saved: Any, current: Any, key: str = "") -> Optional[Tuple[str, Any, Any]]:
    """(dotted key, saved value, current value) of the first place two nested dicts differ, or None.
    A key the saved dict lacks is not a difference: it was added to the config since, and a new
    key's default keeps the old behaviour, so an older checkpoint was trained as with the default."""
    if isinstance(saved, dict) and isinstance(current, dict):
        for k in saved:
            found = first_difference(saved.get(k), current.get(k), f"{key}.{k}" if key else str(k))
            if found:
                return found
        return None
    return None if saved == current else (key, saved, current)


def check_same_config(path: Union[str, Path], saved: Optional[Dict[str, Any]], current: Dict[str, Any]) -> None:
    """A checkpoint records the config sections that shape its weights; resuming from it with other
    values would fail deep inside load_state_dict, so say which key differs instead."""
    if saved is None:  # saved before checkpoints recorded their config
        return
    found = first_difference({k: saved.get(k) for k in current}, current)
    if found:
        key, old, new = found
        raise InputError(f"{path}: trained with {key} = {old!r}, the config now has {new!r}; "
                         f"use another --exp-dir (or remove {Path(path).parent}) to train this model")


def epoch_checkpoints(exp_dir: Union[str, Path]) -> List[int]:
    """Epoch numbers with a saved checkpoint, ascending."""
    exp_dir = Path(exp_dir)
    if not exp_dir.is_dir():
        return []
    return sorted(int(m.group(1)) for p in exp_dir.iterdir() if (m := _EPOCH.match(p.name)))


def latest_epoch(exp_dir: Union[str, Path]) -> Optional[int]:
    epochs = epoch_checkpoints(exp_dir)
    return epochs[-1] if epochs else None


def average_checkpoints(paths: List[Path]) -> Dict[str, torch.Tensor]:
    """Element-wise mean of the models' floating-point parameters (integers from the last)."""
    if not paths:
        raise InputError("no checkpoints to average")
    avg: Dict[str, torch.Tensor] = {}
    for p in paths:
        state = load_checkpoint(p)["model"]
        for k, v in state.items():
            if k not in avg:
                avg[k] = v.clone().double() if v.is_floating_point() else v.clone()
            elif v.is_floating_point():
                avg[k] += v.double()
            else:
                avg[k] = v.clone()
    for k, v in avg.items():
        if v.is_floating_point():
            avg[k] = (v / len(paths)).float()
    return avg


def resolve_epoch_avg(exp_dir: Union[str, Path], epoch: Optional[int], avg: Optional[int],
                      default_avg: int) -> Tuple[int, int]:
    """icefall's --epoch/--avg: (epoch, avg) with epoch defaulting to the last checkpoint and avg to
    `default_avg` (at most epoch). A given --epoch without its checkpoint, or a given --avg outside
    1..epoch, is an error naming the option and its value."""
    epochs = epoch_checkpoints(exp_dir)
    have = f"{exp_dir} has epoch-{epochs[0]}.pt to epoch-{epochs[-1]}.pt" if epochs else f"{exp_dir} has no epoch-N.pt"
    if epoch is None:
        if not epochs:
            raise InputError(f"{exp_dir}: no epoch-N.pt checkpoints (train first)")
        epoch = epochs[-1]
    elif epoch not in epochs:
        raise InputError(f"--epoch {epoch}: no checkpoint {Path(exp_dir) / f'epoch-{epoch}.pt'} ({have})")
    if avg is None:
        return epoch, max(1, min(default_avg, epoch))
    if not 1 <= avg <= epoch:
        raise InputError(f"--avg {avg}: must be between 1 and the {epoch} epochs up to --epoch {epoch}")
    return epoch, avg


def averaged_paths(exp_dir: Union[str, Path], epoch: int, avg: int) -> List[Path]:
    """The checkpoints icefall's --epoch E --avg A averages: epoch-(E-A+1).pt .. epoch-E.pt, each existing."""
    exp_dir = Path(exp_dir)
    paths = [exp_dir / f"epoch-{e}.pt" for e in range(max(1, epoch - avg + 1), epoch + 1)]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise InputError(f"{missing[0]}: checkpoint does not exist (needed for --epoch {epoch} --avg {avg})")
    return paths


def averaged_model_state(exp_dir: Union[str, Path], epoch: int, avg: int) -> Dict[str, torch.Tensor]:
    """The model of `epoch-{epoch}.pt` averaged with the `avg - 1` epochs before it (icefall's --epoch/--avg)."""
    return average_checkpoints(averaged_paths(exp_dir, epoch, avg))
