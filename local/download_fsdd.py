#!/usr/bin/env python3
"""Downloads the Free Spoken Digit Dataset recordings (stage 0 of the FSDD recipes).

    local/download_fsdd.py download/fsdd      # -> download/fsdd/recordings/*.wav
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.data.fsdd import download_fsdd
from recipe_common.cli import run_main


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target_dir", type=Path)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    print(download_fsdd(args.target_dir))


if __name__ == "__main__":
    run_main(main)
