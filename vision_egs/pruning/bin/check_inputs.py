#!/usr/bin/env python3
"""Stage 0, before any training: loads the config, checks every uniform scheme against every model,
and loads the train and test images the config and options name (downloading CIFAR-10 with
--download), so that bad input stops here, with one line.

    python -m vision_egs.pruning.bin.check_inputs --config conf/tiny.yaml [--data-source folder --corpus-dir DIR]
"""
import argparse

from recipe_common.cli import run_main
from vision_egs.common.data import add_data_arguments, print_splits
from vision_egs.pruning.experiment import check_variants, load_stage_config


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    add_data_arguments(p)
    args = p.parse_args()
    cfg = load_stage_config(args)
    check_variants(cfg)
    print_splits(cfg.data, args)

if __name__ == "__main__":
    run_main(main)
