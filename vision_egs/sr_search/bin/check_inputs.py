#!/usr/bin/env python3
"""Stage 0, before any training: loads the config (unknown keys and bad values are one line), every
training, held-out and test image at every scale, checks that each training image holds a patch and
that every baseline builds, so that bad input stops here with one line.

    python -m vision_egs.sr_search.bin.check_inputs --config conf/ci.yaml [--corpus-dir DIR]
"""
from recipe_common.cli import run_main
from recipe_common.errors import InputError
from vision_egs.sr_search.data import check_patch_fits
from vision_egs.sr_search.experiment import load_stage_config, stage_arguments, test_sets, train_valid_pairs
from vision_egs.sr_search.models import build_sr_model


def main() -> None:
    args = stage_arguments(__doc__, exp=False).parse_args()
    cfg = load_stage_config(args)
    for scale in cfg.data.scales:
        train, valid = train_valid_pairs(cfg, args, scale)
        check_patch_fits(train, cfg.data.lr_patch)
        tests = test_sets(cfg, args, scale)
        for b in cfg.baselines:
            try:
                build_sr_model(b.name, scale, **b.options)
            except TypeError as e:
                raise InputError(f"{args.config}: baselines: {b.name} options {b.options}: {e}")
        sizes = ", ".join(f"{name} {len(pairs)}" for name, pairs in tests.items())
        print(f"x{scale}: {len(train)} training images, {len(valid)} held out, test: {sizes}")


if __name__ == "__main__":
    run_main(main)
