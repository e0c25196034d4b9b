"""Where each stage of the pruning recipe reads and writes, and which pruned variants it builds:
EXP/<arch>/dense (the trained dense model), EXP/<arch>/mapping/{rule,search}.json,
EXP/<arch>/pruned/<variant>/ (checkpoints, masks.pt), EXP/<arch>/measure.json with
EXP/<arch>/test_correct.json (which test images each model gets right), EXP/latency_table.json."""
import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import List


from vision_egs.common import stage_cli
from vision_egs.common.models import build_classifier
from vision_egs.pruning.config import PruningConfig
from vision_egs.pruning.masks import parse_choice, uniform_mapping


@dataclass(frozen=True)
class Variant:
    name: str  # directory name: 'filter_0.5', 'block-8x144_0.75', 'rule', 'search'
    label: str  # as the tables show it: 'uniform filter@0.5', 'mapped (rule)'
    uniform: str  # SCHEME@RATE for uniform variants, '' for mapped ones


def variants(cfg: PruningConfig) -> List[Variant]:
    out = []
    for text in cfg.prune.uniform:
        choice = parse_choice(text)
        name = f"{choice.scheme}_{choice.sparsity:g}".replace(":", "-")
        out.append(Variant(name, f"uniform {choice}", text))
    return out + [Variant("rule", "mapped (rule)", ""), Variant("search", "mapped (search)", "")]


def check_variants(cfg: PruningConfig) -> None:
    """Every uniform scheme fits every layer of every model (an InputError naming the layer if not)."""
    for arch in cfg.models:
        model = build_classifier(arch)
        for text in cfg.prune.uniform:
            choice = parse_choice(text)
            uniform_mapping(model, choice.scheme, choice.sparsity)


def dense_dir(exp: Path, arch: str) -> Path:
    return exp / arch / "dense"


def mapping_path(exp: Path, arch: str, method: str) -> Path:
    return exp / arch / "mapping" / f"{method}.json"


def variant_dir(exp: Path, arch: str, variant: Variant) -> Path:
    return exp / arch / "pruned" / variant.name


def measure_path(exp: Path, arch: str) -> Path:
    return exp / arch / "measure.json"


def per_image_path(exp: Path, arch: str) -> Path:
    """Per model of measure.json (its row names), the per-image correctness on the test set."""
    return exp / arch / "test_correct.json"


def latency_table_path(exp: Path) -> Path:
    return exp / "latency_table.json"



def load_stage_config(args: argparse.Namespace) -> PruningConfig:
    """The config, with torch's threads pinned to the latency section's count for every stage."""
    return stage_cli.load_stage_config(args.config, PruningConfig, lambda c: c.latency.threads)
