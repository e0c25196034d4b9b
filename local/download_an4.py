#!/usr/bin/env python3
"""Downloads CMU AN4 (stage 0 of the AN4 recipes).

    local/download_an4.py download      # -> download/an4/{etc,wav}
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.data.an4 import download_an4
from recipe_common.cli import run_main


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target_dir", type=Path)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    print(download_an4(args.target_dir))


if __name__ == "__main__":
    run_main(main)
