#!/usr/bin/env python3
"""Downloads AMI's Array1/Array2 audio (mic 'mdm') and the manual annotations with lhotse.

    local/download_ami.py download/ami
"""
import argparse
from pathlib import Path

from recipe_common.cli import run_main
from recipe_common.logging import setup_logger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target_dir", type=Path)
    args = p.parse_args()
    setup_logger()
    from lhotse.recipes.ami import download_ami

    download_ami(args.target_dir, mic="mdm")


if __name__ == "__main__":
    run_main(main)
