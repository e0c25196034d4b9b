"""torchrun support: the same script runs as one process or as DDP ranks."""
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from recipe_common.errors import InputError


@dataclass
class DistInfo:
    world_size: int
    rank: int
    local_rank: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup_dist(device: str) -> DistInfo:
    """Joins the process group when launched by torchrun (gloo on CPU, nccl on CUDA)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return DistInfo(1, 0, 0)
    rank, local_rank = int(os.environ["RANK"]), int(os.environ["LOCAL_RANK"])
    backend = "nccl" if device == "cuda" else "gloo"
    if device == "cuda":
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend=backend)
    return DistInfo(world_size, rank, local_rank)


def cleanup_dist(info: DistInfo) -> None:
    if info.world_size > 1 and dist.is_initialized():
        dist.destroy_process_group()


def resolve_device(name: str, info: DistInfo) -> torch.device:
    """`cpu`, or this rank's CUDA device; a one-line error when CUDA was asked for and is absent."""
    if name != "cuda":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA device is available")
    return torch.device("cuda", info.local_rank)
