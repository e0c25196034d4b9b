#!/usr/bin/env python3
"""Stage 3: prunes every variant (the config's uniform schemes and both mappings) from the dense
model and fine-tunes it: EXP_DIR/<arch>/pruned/<variant>/ (checkpoints, log/, masks.pt). A finished
variant is skipped, an interrupted one resumes. With --job J --num-jobs N (run.pl's JOB=1:N) this
job takes every N-th (model, variant) pair from the J-th; each seeds itself, so the split changes
no result.

    python -m vision_egs.pruning.bin.prune_finetune --config conf/tiny.yaml --exp-dir exp [--job JOB --num-jobs N]
"""
import logging

from recipe_common.cli import add_job_arguments, job_share, run_main
from recipe_common.logging import setup_logger
from vision_egs.common.data import load_split
from vision_egs.common.models import build_classifier
from vision_egs.common.train import last_checkpoint
from vision_egs.common.stage_cli import stage_arguments
from vision_egs.pruning.experiment import (
    dense_dir,
    load_stage_config,
    mapping_path,
    variant_dir,
    variants,
)
from vision_egs.pruning.finetune import prune_and_finetune
from vision_egs.pruning.mapping import load_mapping
from vision_egs.pruning.masks import check_mapping, parse_choice, uniform_mapping


def main() -> None:
    p = stage_arguments(__doc__)
    add_job_arguments(p)
    args = p.parse_args()
    setup_logger()  # stderr; each variant logs to its own folder too
    cfg = load_stage_config(args)
    pairs = job_share([(arch, variant) for arch in cfg.models for variant in variants(cfg)], args)
    if not pairs:
        print(f"job {args.job} of {args.num_jobs}: no variant to prune")
        return
    train, test = load_split(cfg.data, args, "train"), load_split(cfg.data, args, "test")
    for arch, variant in pairs:
        out = variant_dir(args.exp_dir, arch, variant)
        if (out / "masks.pt").is_file():
            logging.info(f"{arch} {variant.label}: done ({out})")
            continue
        if variant.uniform:
            choice = parse_choice(variant.uniform)
            mapping = uniform_mapping(build_classifier(arch), choice.scheme, choice.sparsity)
        else:
            mapping = load_mapping(mapping_path(args.exp_dir, arch, variant.name))
            check_mapping(build_classifier(arch), mapping)
        prune_and_finetune(last_checkpoint(dense_dir(args.exp_dir, arch)), arch, mapping, train, test,
                           cfg.prune.train, cfg.prune.prune_epochs, out, cfg.prune.distill)


if __name__ == "__main__":
    run_main(main)
