#!/usr/bin/env python3
"""Prints one value of a recipe config for shell scripts; lists are space-separated.

    python -m icefall_ext.bin.config_value conf/tiny.yaml features.speed_perturb   # -> 0.9 1.1
Unknown keys are errors; unset keys print the default, and the keys under an unset optional
section (results.baseline.exp_dir without a baseline) print an empty line.
"""
import argparse
import dataclasses

from icefall_ext.asr_config import AsrRecipeConfig
from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config")
    p.add_argument("key", help="dotted path, e.g. decode.methods")
    args = p.parse_args()
    value = load_config(args.config, AsrRecipeConfig)
    for part in args.key.split("."):
        if value is None:
            break
        if dataclasses.is_dataclass(value) and part in {f.name for f in dataclasses.fields(value)}:
            value = getattr(value, part)
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise InputError(f"{args.config}: unknown key '{args.key}'")
    print("" if value is None else " ".join(map(str, value)) if isinstance(value, (list, tuple)) else value)


if __name__ == "__main__":
    run_main(main)
