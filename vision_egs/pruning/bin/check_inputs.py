#!/usr/bin/env python3
"""Stage 0, before any training: loads the config, checks every uniform scheme against every model,
and loads the train and test images the config and options name (downloading CIFAR-10 with
--download), so that bad input stops here, with one line.

    python -m vision_egs.pruning.bin.check_inputs --config conf/tiny.yaml [--data-source folder --data-dir DIR]
"""
import argparse

from recipe_common.cli import run_main
from recipe_common.errors import InputError
from vision_egs.common.data import add_data_arguments, load_split
from vision_egs.pruning.experiment import check_variants, load_stage_config


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    add_data_arguments(p)
    args = p.parse_args()
    cfg = load_stage_config(args)
    check_variants(cfg)
    source = args.data_source or cfg.data.source
    if args.data_dir is not None and source == "embedded":
        raise InputError(f"{args.data_dir}: a corpus folder was given, but the data source is 'embedded' "
                         f"(data.source of {args.config}); give --data-source folder or cifar10 with it")
    for split in ("train", "test"):
        images = load_split(cfg.data, args, split)
        counts = images.labels.bincount(minlength=len(images.classes)).tolist()
        print(f"{split}: {len(images)} images of {tuple(images.images.shape[1:])}, per class {counts}")


if __name__ == "__main__":
    run_main(main)
