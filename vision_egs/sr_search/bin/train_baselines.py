#!/usr/bin/env python3
"""Stage 2: trains every baseline (FSRCNN, ESPCN, a small WDSR-B: the config's baselines) at every
scale on the same patches and budget (L1, Adam), to EXP_DIR/baselines/<name>_x<s>/. A finished
training is skipped, an interrupted one resumes. With --job J --num-jobs N (run.pl's JOB=1:N) this job
takes every N-th (model, scale) from the J-th.

    python -m vision_egs.sr_search.bin.train_baselines --config conf/ci.yaml --exp-dir exp [--job JOB --num-jobs N]
"""
from recipe_common.cli import add_job_arguments, job_share, run_main
from vision_egs.sr_search.experiment import baseline_dir, load_stage_config, stage_arguments, train_valid_pairs
from vision_egs.sr_search.models import build_sr_model
from vision_egs.sr_search.train import l1_loss, train_sr


def main() -> None:
    p = stage_arguments(__doc__)
    add_job_arguments(p)
    args = p.parse_args()
    cfg = load_stage_config(args)
    for b, scale in job_share([(b, s) for s in cfg.data.scales for b in cfg.baselines], args):
        train, valid = train_valid_pairs(cfg, args, scale)
        model = build_sr_model(b.name, scale, **b.options)
        train_sr(model, l1_loss(model), model, train, valid, cfg.data, cfg.train,
                 baseline_dir(args.exp_dir, b.name, scale), {"name": b.name, "scale": scale, "options": b.options})


if __name__ == "__main__":
    run_main(main)
