#!/usr/bin/env python3
"""Stage 7: the searched sub-network (extracted from the supernet), pruned by stage 6's ratios to a
truly smaller WDSR-B (L1-norm structured channel pruning), fine-tuned for pruning.finetune_epochs at
pruning.finetune_lr, to EXP_DIR/finetune/x<s>/. With --job/--num-jobs each job takes every N-th scale.

    python -m vision_egs.sr_search.bin.finetune_pruned --config conf/ci.yaml --exp-dir exp [--corpus-dir DIR]
"""
import dataclasses

from recipe_common.cli import add_job_arguments, job_share, run_main
from vision_egs.sr_search.channel_prune import prune
from vision_egs.sr_search.experiment import (finetune_dir, load_stage_config, load_supernet, ratios_path, read_json,
                                             searched_choice, stage_arguments, train_valid_pairs, wdsr_meta)
from vision_egs.sr_search.train import l1_loss, train_sr


def main() -> None:
    p = stage_arguments(__doc__)
    add_job_arguments(p)
    args = p.parse_args()
    cfg = load_stage_config(args)
    for scale in job_share(cfg.data.scales, args):
        ratios = read_json(ratios_path(args.exp_dir, scale), "stage 6")["ratios"]
        model = prune(load_supernet(cfg, args.exp_dir, scale).extract(searched_choice(args.exp_dir, scale)), ratios)
        train, valid = train_valid_pairs(cfg, args, scale)
        widths = [block.body[0].out_channels for block in model.body]
        train_sr(model.train(), l1_loss(model), model, train, valid, cfg.data,
                 dataclasses.replace(cfg.train, epochs=cfg.pruning.finetune_epochs, lr=cfg.pruning.finetune_lr),
                 finetune_dir(args.exp_dir, scale), wdsr_meta(scale, cfg, widths))


if __name__ == "__main__":
    run_main(main)
