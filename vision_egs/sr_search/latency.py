"""The search's latency model: ONNX Runtime milliseconds of each part of a WDSR-B at the deployment
input shape (a 720p output frame: 640x360 input at x2, 320x180 at x4), threads pinned, median of
repeats. One entry per block of (features, expanded, linear) channels, and one for everything outside
the blocks (mean shift, head, tail and global skip: a WDSR-B of no blocks); a sub-network's predicted
latency is their sum. Blocks all run at the input size, so an entry does not depend on where the
block sits. The table is a vision_egs.common LatencyTable cached as JSON under the scale, input
shape, threads and library versions, so another setting is measured again; the end-to-end
measurement of the chosen models checks the sum.
"""
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Dict, Iterable, Tuple

import torch
from torch import nn

from vision_egs.common.latency_table import LatencyTable, machine_meta
from vision_egs.common.onnx_latency import export_onnx, measure_latency
from vision_egs.sr_search.models import WDSRB, WDSRBlock
from vision_egs.sr_search.supernet import SearchSpace, SubnetChoice

DEPLOYMENT_INPUT = {2: (360, 640), 4: (180, 320)}  # (height, width) of the LR frame of a 1280x720 output
TABLE_FORMAT = "1"  # bumped whenever what an entry measures changes, so old caches are measured again
OUTSIDE_KEY = "head+tail"


@dataclass(frozen=True)
class LatencySetting:
    """What every entry is measured under."""
    scale: int
    height: int  # LR input
    width: int
    threads: int

    def meta(self) -> Dict[str, str]:
        import onnxruntime

        return machine_meta(format=TABLE_FORMAT, onnxruntime=onnxruntime.__version__, scale=self.scale,
                            input=f"{self.width}x{self.height}", threads=self.threads)


def block_key(features: int, expanded: int, linear: int) -> str:
    return f"block{features}x{expanded}x{linear}"


def onnx_ms(module: nn.Module, shape: Tuple[int, ...], threads: int, warmup: int, repeats: int) -> float:
    """Median milliseconds of `module` exported to ONNX, on an input of `shape`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "part.onnx"
        export_onnx(module, torch.rand(shape), path)
        return measure_latency(path, shape, threads, warmup, repeats)


@dataclass
class BlockLatency:
    """A sub-network's predicted milliseconds: the outside entry plus one entry per block."""
    table: LatencyTable
    features: int
    linear: int

    def predict(self, choice: SubnetChoice) -> float:
        return self.table.get(OUTSIDE_KEY) + sum(self.table.get(block_key(self.features, w, self.linear))
                                                 for w in choice.widths)


def build_latency_table(path: Path, setting: LatencySetting, space: SearchSpace, widths: Iterable[int],
                        warmup: int, repeats: int, measure: Callable[..., float] = onnx_ms) -> BlockLatency:
    """Measures the outside entry and a block of each of `widths` expanded channels (the search
    space's, and those a pruned block may have) that the cache at `path` lacks, and saves it."""
    table = LatencyTable.load(path, setting.meta())
    f, h, w = space.features, setting.height, setting.width
    timed = partial(measure, threads=setting.threads, warmup=warmup, repeats=repeats)
    jobs = {OUTSIDE_KEY: partial(timed, WDSRB(setting.scale, features=f, linear=space.linear, widths=[]),
                                 (1, 3, h, w))}
    for width in sorted(set(widths)):
        jobs[block_key(f, width, space.linear_channels)] = partial(
            timed, WDSRBlock(f, width, space.linear_channels), (1, f, h, w))
    table.measure_missing(jobs, path)
    return BlockLatency(table, f, space.linear_channels)
