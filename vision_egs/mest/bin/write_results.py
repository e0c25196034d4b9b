#!/usr/bin/env python3
"""Stage 3: RESULTS.md from EXP_DIR/runs/*/run.json and EXP_DIR/step_times.json (report.build_report),
printed, with EXP_DIR/accuracy_vs_sparsity.png and EXP_DIR/accuracy_vs_footprint.png.

    python -m vision_egs.mest.bin.write_results --config conf/tiny.yaml --exp-dir exp --command "./run.sh" --out RESULTS.md
"""
from recipe_common.cli import run_main
from vision_egs.common.results import write_results_main
from vision_egs.mest.config import MestRecipeConfig
from vision_egs.mest.report import build_report

if __name__ == "__main__":
    run_main(lambda: write_results_main(__doc__, MestRecipeConfig, build_report))
