#!/usr/bin/env python3
"""Stage 1: the bicubic baseline's Y PSNR/SSIM on every test set at every scale (MATLAB-compatible
imresize up from the bicubic LR input), to EXP_DIR/bicubic.json.

    python -m vision_egs.sr_search.bin.score_bicubic --config conf/ci.yaml --exp-dir exp [--corpus-dir DIR]
"""
import json

from recipe_common.cli import run_main
from recipe_common.io import write_text_atomic
from vision_egs.sr_search.evaluate import bicubic_predict, scores
from vision_egs.sr_search.experiment import bicubic_path, load_stage_config, stage_arguments, test_sets


def main() -> None:
    args = stage_arguments(__doc__).parse_args()
    cfg = load_stage_config(args)
    out = {f"x{s}": {name: scores(bicubic_predict(s), pairs) for name, pairs in test_sets(cfg, args, s).items()}
           for s in cfg.data.scales}
    write_text_atomic(bicubic_path(args.exp_dir), json.dumps(out, indent=1) + "\n")
    print(json.dumps(out))


if __name__ == "__main__":
    run_main(main)
