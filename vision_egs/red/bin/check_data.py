#!/usr/bin/env python3
"""Stage 0: checks the config's attack and denoiser names, and loads the train and test images the
config and options name (downloading CIFAR-10 with --download), so that a bad name, a missing
class or an unreadable image stops here, with one line, before any training.

    python -m vision_egs.red.bin.check_data --config conf/tiny.yaml [--data-source folder --corpus-dir DIR]
"""
import argparse

from recipe_common.cli import run_main
from recipe_common.config import load_config
from recipe_common.errors import InputError
from vision_egs.common.data import add_data_arguments, print_splits
from vision_egs.red.attacks import check_attack
from vision_egs.red.config import RedConfig
from vision_egs.red.losses import METHODS


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    add_data_arguments(p)
    args = p.parse_args()
    cfg = load_config(args.config, RedConfig)
    for attack in [*cfg.attacks.train, *cfg.attacks.test]:
        check_attack(attack)
    for method in cfg.denoiser.methods:
        if method not in METHODS:
            raise InputError(f"{args.config}: unknown denoiser method '{method}' (known: {', '.join(METHODS)})")
    print_splits(cfg.data, args)

if __name__ == "__main__":
    run_main(main)
