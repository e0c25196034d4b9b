#!/usr/bin/env python3
"""Stage 3: trains the weight-sharing WDSR-B supernet of the search space at every scale by the
sandwich rule (largest, smallest and supernet.n_random random sub-networks per step), validating the
largest, to EXP_DIR/supernet/x<s>/. With --job/--num-jobs each job takes every N-th scale.

    python -m vision_egs.sr_search.bin.train_supernet --config conf/ci.yaml --exp-dir exp [--job JOB --num-jobs N]
"""
import dataclasses

from recipe_common.cli import add_job_arguments, job_share, run_main
from vision_egs.sr_search.experiment import load_stage_config, stage_arguments, supernet_dir, train_valid_pairs
from vision_egs.sr_search.supernet import Supernet
from vision_egs.sr_search.train import sandwich_loss, train_sr


def main() -> None:
    p = stage_arguments(__doc__)
    add_job_arguments(p)
    args = p.parse_args()
    cfg = load_stage_config(args)
    for scale in job_share(cfg.data.scales, args):
        train, valid = train_valid_pairs(cfg, args, scale)
        net = Supernet(scale, cfg.space)
        largest = cfg.space.largest()
        train_sr(net, sandwich_loss(net, cfg.supernet.n_random), lambda x: net(x, largest), train, valid, cfg.data,
                 dataclasses.replace(cfg.train, epochs=cfg.supernet.epochs), supernet_dir(args.exp_dir, scale),
                 {"name": "supernet", "scale": scale, "space": dataclasses.asdict(cfg.space)})


if __name__ == "__main__":
    run_main(main)
