"""The runs a config asks for and where they live: EXP/runs/<run>/ (checkpoints, log/, run.json),
EXP/step_times.json (stage 2). The first setting's methods run once per seed of that setting, so do
the others'; a dense run does not depend on the scheme or sparsity and runs once per seed."""
import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import List


from vision_egs.common import stage_cli
from vision_egs.mest.config import MestRecipeConfig
from vision_egs.mest.masks import MaskSet
from vision_egs.mest.methods import SPARSE_METHODS, MaskUpdater
from vision_egs.mest.models import build_model, sparsity_profile


@dataclass(frozen=True)
class RunSpec:
    method: str
    scheme: str
    sparsity: float
    seed: int
    data_efficient: bool = False

    @property
    def name(self) -> str:
        if self.method == "dense":
            return f"dense_seed{self.seed}"
        tail = "_de" if self.data_efficient else ""
        return f"{self.method}_{self.scheme}_{self.sparsity:g}_seed{self.seed}{tail}"


def runs(cfg: MestRecipeConfig) -> List[RunSpec]:
    out: List[RunSpec] = []
    for s in cfg.settings:
        for method in s.methods:
            for seed in s.seeds:
                spec = RunSpec(method, s.scheme, s.sparsity, seed)
                if method == "dense":
                    spec = RunSpec("dense", "-", 0.0, seed)
                if spec not in out:
                    out.append(spec)
    de = cfg.data_efficiency
    if de is not None:
        main = cfg.settings[0]
        out += [RunSpec(de.method, main.scheme, main.sparsity, seed, True) for seed in de.seeds]
    return out


def run_dir(exp: Path, spec: RunSpec) -> Path:
    return Path(exp) / "runs" / spec.name


def run_json(exp: Path, spec: RunSpec) -> Path:
    return run_dir(exp, spec) / "run.json"


def step_times_path(exp: Path) -> Path:
    return Path(exp) / "step_times.json"


def check_runs(cfg: MestRecipeConfig) -> None:
    """Every sparse run's scheme fits the model's layers and every MEST run has its bounds (an
    InputError naming the layer or the missing bounds if not)."""
    for spec in runs(cfg):
        if spec.method in SPARSE_METHODS:
            model = build_model(cfg.model.arch, cfg.model.width)
            masks = MaskSet(model, sparsity_profile(model, spec.sparsity), spec.scheme)
            MaskUpdater(spec.method, masks, cfg.update, cfg.train.epochs, spec.sparsity)



def load_stage_config(args: argparse.Namespace) -> MestRecipeConfig:
    """The config, with torch's threads pinned to its `threads` for every stage."""
    return stage_cli.load_stage_config(args.config, MestRecipeConfig, lambda c: c.threads)
