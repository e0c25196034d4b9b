#!/usr/bin/env python3
"""Stage 2: maps a pruning scheme, block size and rate to every layer, rule-based and search-based,
under the latency budget (the dense model's predicted latency / mapping.speedup, tightened until the
mapped model measures that speedup end to end, with mapping.speedup_margin to spare); prints both
mappings and saves them as EXP_DIR/<arch>/mapping/{rule,search}.json.

    python -m vision_egs.pruning.bin.map_schemes --config conf/tiny.yaml --exp-dir exp
"""
import logging

from recipe_common.cli import run_main
from recipe_common.logging import setup_logger
from vision_egs.common.data import load_split
from vision_egs.common.models import load_classifier
from vision_egs.common.train import last_checkpoint
from vision_egs.common.stage_cli import stage_arguments
from vision_egs.pruning.experiment import (
    dense_dir,
    latency_table_path,
    load_stage_config,
    mapping_path,
)
from vision_egs.pruning.latency import LatencyTable, layer_sites, machine_meta, measured_speedup
from vision_egs.pruning.layers import prunable_layers
from vision_egs.pruning.mapping import (
    build_problem,
    calibrate_budget,
    check_budget,
    evolutionary_search,
    fisher_saliency,
    format_mapping,
    rule_mapping,
    save_mapping,
)


def main() -> None:
    args = stage_arguments(__doc__).parse_args()
    cfg = load_stage_config(args)
    setup_logger(args.exp_dir / "log" / "log-map")
    m = cfg.mapping
    meta = machine_meta(cfg.latency.batch_size, cfg.latency.threads)
    table = LatencyTable.load(latency_table_path(args.exp_dir), meta)
    calibration = load_split(cfg.data, args, "train").take(m.calibration_images, seed=m.seed)
    for arch in cfg.models:
        outputs = {method: mapping_path(args.exp_dir, arch, method) for method in ("rule", "search")}
        if all(p.is_file() for p in outputs.values()):
            logging.info(f"{arch}: mappings exist ({outputs['rule'].parent})")
            continue
        model = load_classifier(last_checkpoint(dense_dir(args.exp_dir, arch)), arch)
        sites = layer_sites(model)
        saliency = fisher_saliency(model, calibration, 64, [layer.name for layer in prunable_layers(model)])
        problem = build_problem(model, cfg.candidates.space(), saliency, sites, table, table.rest_ms(arch))
        dense_ms = problem.latency([0] * len(problem.names))
        budget = dense_ms / m.speedup
        logging.info(f"{arch}: dense {dense_ms:.2f} ms predicted, budget {budget:.2f} ms ({m.speedup:g}x)")
        check_budget(problem, budget)
        mappers = {"rule": lambda b: rule_mapping(problem, b, m.rule_sensitive_fraction, m.rule_slack),
                   "search": lambda b: evolutionary_search(problem, b, m.population, m.generations, m.mutation,
                                                           m.seed)}
        lat = cfg.latency

        def measure(genome):
            return measured_speedup(model, problem.mapping(genome), lat.batch_size, lat.rounds, lat.runs_per_round)

        for method, map_under in mappers.items():
            result = calibrate_budget(map_under, measure, problem, budget, m.speedup * (1 + m.speedup_margin),
                                      m.calibration_rounds)
            save_mapping(outputs[method], problem, result.genome, method, result.budget_ms, result.measured_speedups)
            logging.info(f"{arch} {method} mapping: {problem.latency(result.genome):.2f} ms predicted "
                         f"(budget {result.budget_ms:.2f}), {result.measured_speedups[-1]:.3f}x measured, "
                         f"proxy {problem.cost(result.genome):.4g}\n{format_mapping(problem, result.genome)}")


if __name__ == "__main__":
    run_main(main)
