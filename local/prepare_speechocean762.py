#!/usr/bin/env python3
"""speechocean762 manifests (train minus the dev speakers / dev / test) for the speechocean762 recipes.

    local/prepare_speechocean762.py --corpus-dir download/speechocean762 --output-dir data

Writes data/manifests/speechocean762_{recordings,supervisions,cuts}_{train,dev,test}.jsonl.gz; the audio
is used in place (see icefall_ext.data.speechocean762 for the checks and the dev rule).
"""
import argparse
import logging
from pathlib import Path

from icefall_ext.data.manifests import write_part_manifests
from icefall_ext.data.speechocean762 import NUM_DEV_SPEAKERS, age_groups, prepare_speechocean762
from recipe_common.cli import run_main


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus-dir", required=True, type=Path)
    p.add_argument("--output-dir", default=Path("data"), type=Path)
    p.add_argument("--num-dev-speakers", default=NUM_DEV_SPEAKERS, type=int, help="held out of train for dev, half children")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s [%(filename)s:%(lineno)d] %(message)s")
    manifests = prepare_speechocean762(args.corpus_dir, args.num_dev_speakers)
    write_part_manifests(manifests, args.output_dir / "manifests", "speechocean762")
    for part, m in manifests.items():
        groups = age_groups(m["supervisions"])
        logging.info(f"speechocean762 {part}: {groups['children']} children, {groups['adults']} adults")


if __name__ == "__main__":
    run_main(main)
