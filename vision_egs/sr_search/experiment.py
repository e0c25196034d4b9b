"""Where the recipe's stages read and write (under EXP_DIR), the data each stage loads, and every model
it evaluates, rebuilt from its checkpoint's `meta` (model name, scale, constructor options):

    bicubic/scores.json          stage 1: bicubic scores
    baselines/<name>_x<s>/       stage 2: epoch-N.pt, log/
    supernet/x<s>/               stage 3
    latency/table_x<s>.json      stage 4: the per-block table (a cache)
    search/x<s>.json             stage 5: the chosen sub-network and every candidate scored
    pruning/x<s>.json            stage 6: per-block ratios
    finetune/x<s>/               stage 7: the pruned sub-network, fine-tuned
    eval/x<s>.json               stage 8: PSNR/SSIM per test set, parameters, MACs per 720p frame
    onnx/x<s>/<model>.onnx, latency/measured_x<s>.json   stage 9
"""
import argparse
import json
from pathlib import Path
from typing import Dict, List, Tuple

from torch import nn

from recipe_common.checkpoint import load_checkpoint
from recipe_common.errors import InputError
from vision_egs.common import stage_cli
from vision_egs.common.train import last_checkpoint
from vision_egs.sr_search.channel_prune import kept_count
from vision_egs.sr_search.config import SRRecipeConfig
from vision_egs.sr_search.data import EMBEDDED, SRPair, image_files, load_pair
from vision_egs.sr_search.latency import BlockLatency, LatencySetting, build_latency_table
from vision_egs.sr_search.models import build_sr_model
from vision_egs.sr_search.supernet import SubnetChoice, Supernet

SEARCHED, PRUNED = "searched", "searched+pruned"


def stage_arguments(doc: str, data: bool = True, exp: bool = True) -> argparse.ArgumentParser:
    """vision_egs.common's stage options, with this recipe's data option: --corpus-dir."""
    p = stage_cli.stage_arguments(doc, data=False, exp=exp)
    if data:
        p.add_argument("--corpus-dir", type=Path, default=None,
                       help="root of the data section's folders (default: the embedded subset)")
    return p


def load_stage_config(args: argparse.Namespace) -> SRRecipeConfig:
    return stage_cli.load_stage_config(args.config, SRRecipeConfig, lambda c: c.train.threads)


def corpus_root(args: argparse.Namespace) -> Path:
    return args.corpus_dir if args.corpus_dir is not None else EMBEDDED


def train_valid_files(cfg: SRRecipeConfig, args: argparse.Namespace) -> Tuple[List[Path], List[Path]]:
    """Training images of every train dir, sorted by name; the last data.valid_images are held out."""
    files = sorted((p for d in cfg.data.train_dirs for p in image_files(corpus_root(args) / d)), key=lambda p: p.name)
    if len(files) <= cfg.data.valid_images:
        raise InputError(f"{', '.join(cfg.data.train_dirs)}: {len(files)} training images, but data.valid_images "
                         f"holds out {cfg.data.valid_images}: none would be left to train on")
    return files[:-cfg.data.valid_images], files[-cfg.data.valid_images:]


def train_valid_pairs(cfg: SRRecipeConfig, args: argparse.Namespace, scale: int) -> Tuple[List[SRPair], List[SRPair]]:
    train, valid = train_valid_files(cfg, args)
    return [load_pair(p, scale) for p in train], [load_pair(p, scale) for p in valid]


def test_sets(cfg: SRRecipeConfig, args: argparse.Namespace, scale: int) -> Dict[str, List[SRPair]]:
    return {d: [load_pair(p, scale) for p in image_files(corpus_root(args) / d)] for d in cfg.data.test_dirs}


def bicubic_path(exp: Path) -> Path:
    return Path(exp) / "bicubic" / "scores.json"


def baseline_dir(exp: Path, name: str, scale: int) -> Path:
    return Path(exp) / "baselines" / f"{name}_x{scale}"


def supernet_dir(exp: Path, scale: int) -> Path:
    return Path(exp) / "supernet" / f"x{scale}"


def finetune_dir(exp: Path, scale: int) -> Path:
    return Path(exp) / "finetune" / f"x{scale}"


def table_path(exp: Path, scale: int) -> Path:
    return Path(exp) / "latency" / f"table_x{scale}.json"


def search_path(exp: Path, scale: int) -> Path:
    return Path(exp) / "search" / f"x{scale}.json"


def ratios_path(exp: Path, scale: int) -> Path:
    return Path(exp) / "pruning" / f"x{scale}.json"


def eval_path(exp: Path, scale: int) -> Path:
    return Path(exp) / "eval" / f"x{scale}.json"


def onnx_dir(exp: Path, scale: int) -> Path:
    return Path(exp) / "onnx" / f"x{scale}"


def measured_path(exp: Path, scale: int) -> Path:
    return Path(exp) / "latency" / f"measured_x{scale}.json"


def latency_model(cfg: SRRecipeConfig, exp: Path, scale: int) -> BlockLatency:
    """The per-block table of one scale at the latency section's input: every width of the search
    space and every width a pruning ratio leaves of one; entries the cache lacks are measured."""
    h, w = cfg.latency.input[scale]
    widths = {kept_count(width, r) for width in cfg.space.widths for r in [0.0, *cfg.pruning.ratios]}
    return build_latency_table(table_path(exp, scale), LatencySetting(scale, h, w, cfg.latency.threads), cfg.space,
                               widths, cfg.latency.warmup, cfg.latency.repeats)


def read_json(path: Path, stage: str) -> Dict:
    if not Path(path).is_file():
        raise InputError(f"{path}: does not exist (run {stage} first)")
    return json.loads(Path(path).read_text())


def load_trained(exp_dir: Path, scale: int) -> nn.Module:
    """The last checkpoint in exp_dir as the model its meta names; a model trained for another scale
    is one line."""
    path = last_checkpoint(exp_dir)
    ckpt = load_checkpoint(path)
    meta = ckpt["meta"]
    if meta["scale"] != scale:
        raise InputError(f"{path}: the model was trained for x{meta['scale']}, not x{scale}")
    model = build_sr_model(meta["name"], scale, **meta["options"])
    model.load_state_dict(ckpt["model"])
    return model.eval()


def load_supernet(cfg: SRRecipeConfig, exp: Path, scale: int) -> Supernet:
    path = last_checkpoint(supernet_dir(exp, scale))
    net = Supernet(scale, cfg.space)
    net.load_state_dict(load_checkpoint(path)["model"])
    return net.eval()


def searched_choice(exp: Path, scale: int) -> SubnetChoice:
    return SubnetChoice(tuple(read_json(search_path(exp, scale), "stage 5")["best"]["choice"]["widths"]))


def wdsr_meta(scale: int, cfg: SRRecipeConfig, widths) -> Dict:
    """How to rebuild a searched or pruned WDSR-B (build_sr_model's arguments)."""
    return {"name": "wdsr_b", "scale": scale,
            "options": {"features": cfg.space.features, "linear": cfg.space.linear, "widths": list(widths)}}


def trained_models(cfg: SRRecipeConfig, exp: Path, scale: int) -> Dict[str, nn.Module]:
    """Every trained model of one scale by its RESULTS.md name: the baselines, the searched
    sub-network (the supernet's weights, not fine-tuned) and the pruned one after fine-tuning."""
    models = {b.name: load_trained(baseline_dir(exp, b.name, scale), scale) for b in cfg.baselines}
    models[SEARCHED] = load_supernet(cfg, exp, scale).extract(searched_choice(exp, scale))
    models[PRUNED] = load_trained(finetune_dir(exp, scale), scale)
    return models
