#!/usr/bin/env python3
"""Prints one top-level section of a YAML config as canonical JSON (sorted keys, one line), so that
a stage marker (utils/stage_marker.sh) records what a stage read from the config and nothing else:
editing another section does not make the stage look changed.

    python -m recipe_common.bin.config_section conf/tiny.yaml corpus     # -> {"name": "connected_digits", ...}
An absent section prints null. A YAML error is one line with the file, line and column.
"""
import argparse
import json

from recipe_common.cli import run_main
from recipe_common.config import load_yaml


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config")
    p.add_argument("section")
    args = p.parse_args()
    print(json.dumps(load_yaml(args.config).get(args.section), sort_keys=True, separators=(",", ":")))


if __name__ == "__main__":
    run_main(main)
