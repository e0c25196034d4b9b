#!/usr/bin/env python3
"""Stage 1: measures the latency table of every layer of the config's models under every candidate
choice (and every share of input channels a pruned producer may leave), plus each dense model's
remaining network, on this machine; cached in EXP_DIR/latency_table.json and only extended.

    python -m vision_egs.pruning.bin.build_latency_table --config conf/tiny.yaml --exp-dir exp
"""
import logging
from functools import partial

from recipe_common.cli import run_main
from recipe_common.logging import setup_logger
from vision_egs.common.models import build_classifier
from vision_egs.common.stage_cli import stage_arguments
from vision_egs.pruning.experiment import latency_table_path, load_stage_config
from vision_egs.pruning.latency import (
    LatencyTable,
    layer_sites,
    machine_meta,
    measure_model_rest,
    measure_site,
    model_rest_key,
)
from vision_egs.pruning.layers import layer_dict, prunable_layers
from vision_egs.pruning.mapping import layer_candidates


def main() -> None:
    args = stage_arguments(__doc__, data=False).parse_args()
    cfg = load_stage_config(args)
    setup_logger(args.exp_dir / "log" / "log-latency-table")
    lat = cfg.latency
    path = latency_table_path(args.exp_dir)
    table = LatencyTable.load(path, machine_meta(lat.batch_size, lat.threads))
    space = cfg.candidates.space()
    keeps = [1.0] + [1.0 - s for s in space.sparsities if "filter" in space.schemes]
    for arch in cfg.models:
        model = build_classifier(arch)
        sites, layers = layer_sites(model), layer_dict(model)
        prunable = {layer.name for layer in prunable_layers(model)}
        jobs = []
        for name, site in sites.items():
            choices = layer_candidates(layers[name].module.weight, space, "consumer" in site.role) \
                if name in prunable else [None]
            for keep in (keeps if "consumer" in site.role else [1.0]):
                jobs += [(site, choice, keep) for choice in choices]
        new = table.fill(jobs, partial(measure_site, batch=lat.batch_size, warmup=lat.warmup, repeats=lat.repeats),
                         path)
        key = model_rest_key(arch)
        if new or key not in table.entries:
            table.entries[key] = measure_model_rest(model, sites, table, lat.batch_size, lat.warmup, lat.repeats)
            table.save(path)
        logging.info(f"{arch}: {len(jobs)} layer entries ({new} measured now), rest of the network "
                     f"{table.entries[key]:.2f} ms")


if __name__ == "__main__":
    run_main(main)
