"""The command line every vision recipe stage shares: `--config`, `--exp-dir` and the data options,
and the config load that pins torch's threads for the stage."""
import argparse
from pathlib import Path
from typing import Callable, Type, TypeVar

import torch

from recipe_common.config import load_config
from vision_egs.common.data import add_data_arguments

Config = TypeVar("Config")


def stage_arguments(description: str, data: bool = True, exp: bool = True) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    if exp:
        p.add_argument("--exp-dir", required=True, type=Path)
    if data:
        add_data_arguments(p)
    return p


def load_stage_config(path: str, config_type: Type[Config], threads: Callable[[Config], int]) -> Config:
    """The config, with torch's threads set to `threads(cfg)`: every stage of a recipe measures and
    trains with the same count."""
    cfg = load_config(path, config_type)
    torch.set_num_threads(threads(cfg))
    return cfg
