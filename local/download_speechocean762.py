#!/usr/bin/env python3
"""Downloads speechocean762 from OpenSLR (resource 101; stage 0 of the speechocean762 recipes).

    local/download_speechocean762.py download      # -> download/speechocean762/{train,test,WAVE,resource}
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.data.speechocean762 import download_speechocean762
from recipe_common.cli import run_main


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target_dir", type=Path)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    print(download_speechocean762(args.target_dir))


if __name__ == "__main__":
    run_main(main)
