#!/usr/bin/env python3
"""Stage 0, before any training: loads the config, checks every setting's scheme against the model's
layers and every MEST setting's bounds, and loads the train and test images (downloading CIFAR-10
with --download), so that bad input stops here with one line.

    python -m vision_egs.mest.bin.check_inputs --config conf/tiny.yaml [--data-source folder --corpus-dir DIR]
"""
from recipe_common.cli import run_main
from vision_egs.common.data import print_splits
from vision_egs.common.stage_cli import stage_arguments
from vision_egs.mest.experiment import check_runs, load_stage_config


def main() -> None:
    args = stage_arguments(__doc__, exp=False).parse_args()
    cfg = load_stage_config(args)
    check_runs(cfg)
    print_splits(cfg.data, args)


if __name__ == "__main__":
    run_main(main)
