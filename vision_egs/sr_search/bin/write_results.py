#!/usr/bin/env python3
"""Stage 10: RESULTS.md from EXP_DIR's measured files (report.build_report), printed, with the
PSNR-vs-latency Pareto plot EXP_DIR/pareto.png.

    python -m vision_egs.sr_search.bin.write_results --config conf/ci.yaml --exp-dir exp --command "./run.sh" --out RESULTS.md
"""
from recipe_common.cli import run_main
from vision_egs.common.results import write_results_main
from vision_egs.sr_search.config import SRRecipeConfig
from vision_egs.sr_search.report import build_report

if __name__ == "__main__":
    run_main(lambda: write_results_main(__doc__, SRRecipeConfig, build_report))
