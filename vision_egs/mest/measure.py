"""What a run costs in time and memory on this machine: the process's peak resident memory over one
run (Linux VmHWM, reset at the run's start through /proc/self/clear_refs; where that file is not
writable, the lifetime peak getrusage reports), and the step times stage 2 compares for the block
scheme: a masked dense training step, the masked dense forward and the forward of the pruning
package's compiled model. That compiler folds batch norm with running statistics and keeps weights
as buffers, so it has no training path: its forward is the closest measurable 'compiled step'."""
import resource
from pathlib import Path
from typing import Dict

import torch
import torch.nn.functional as F
from torch import nn

from vision_egs.common.latency_table import median_ms
from vision_egs.mest.masks import MaskSet
from vision_egs.pruning.compiler import compile_model
from vision_egs.pruning.latency import interleaved_latency

STATUS = Path("/proc/self/status")


def reset_peak_rss() -> bool:
    """True when the peak was reset (per-run peaks); False: peak_rss_bytes is the process lifetime's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> int:
    if STATUS.is_file():
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def block_step_times(model: nn.Module, masks: MaskSet, batch: int, warmup: int, repeats: int) -> Dict[str, float]:
    """Milliseconds of: a masked dense SGD step (forward, backward, masking, step), the masked
    dense forward (eval) and the compiled forward (eval), on one random batch. Restores nothing:
    pass a copy of the model."""
    x, y = torch.rand(batch, 3, 32, 32), torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def train_step():  # median_ms times under inference mode: leave it for the step
        with torch.inference_mode(False), torch.enable_grad():
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            masks.mask_gradients()
            opt.step()
            masks.apply()

    model.train()
    step = median_ms(train_step, warmup, repeats)
    model.eval()
    forward = interleaved_latency({"masked": model, "compiled": compile_model(model)}, x, repeats, 1)
    return {"masked_train_step_ms": step, "masked_forward_ms": forward["masked"],
            "compiled_forward_ms": forward["compiled"]}
