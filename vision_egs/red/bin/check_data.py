#!/usr/bin/env python3
"""Stage 0: loads the train and test images the config and options name (downloading CIFAR-10
with --download), so that a missing class or an unreadable image stops here, with one line.

    python -m vision_egs.red.bin.check_data --config conf/tiny.yaml [--data-source folder --data-dir DIR]
"""
import argparse

from icefall_ext.utils.cli import run_main
from icefall_ext.utils.config import load_config
from vision_egs.common.data import add_data_arguments, load_split
from vision_egs.red.config import RedConfig


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    add_data_arguments(p)
    args = p.parse_args()
    cfg = load_config(args.config, RedConfig)
    for split in ("train", "test"):
        images = load_split(cfg.data, args, split)
        counts = images.labels.bincount(minlength=len(images.classes)).tolist()
        print(f"{split}: {len(images)} images of {tuple(images.images.shape[1:])}, per class {counts}")


if __name__ == "__main__":
    run_main(main)
