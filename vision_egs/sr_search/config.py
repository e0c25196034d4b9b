"""The config of vision_egs/sr_search (`conf/*.yaml`), one dataclass per section. Milliseconds are per
720p output frame: a latency measured at another input shape (the CI config's) is extrapolated by
pixel count (`SRLatencyConfig.per_frame`)."""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from vision_egs.common.train import TrainConfig
from vision_egs.sr_search.latency import DEPLOYMENT_INPUT
from vision_egs.sr_search.models import SCALES, SR_MODELS
from vision_egs.sr_search.supernet import SearchSpace


@dataclass
class SRDataConfig:
    """Folders of HR images under --corpus-dir (the embedded subset when none is given)."""
    train_dirs: List[str] = field(default_factory=lambda: ["T91"])
    test_dirs: List[str] = field(default_factory=lambda: ["Set5"])
    valid_images: int = 1  # the last training images (by name) held out for the search's PSNR proxy
    scales: List[int] = field(default_factory=lambda: [2, 4])
    lr_patch: int = 24  # LR side of a training patch (the HR patch is lr_patch * scale)
    patches_per_epoch: int = 1000

    def __post_init__(self):
        if not self.train_dirs or not self.test_dirs:
            raise ValueError("train_dirs and test_dirs must each name at least one folder")
        if "Set5" not in self.test_dirs:
            raise ValueError("test_dirs must include Set5 (the targets and the published numbers are on it)")
        bad = [s for s in self.scales if s not in SCALES]
        if not self.scales or bad:
            raise ValueError(f"scales must be some of {', '.join(map(str, SCALES))}, not {self.scales}")
        if self.valid_images < 1 or self.lr_patch < 1 or self.patches_per_epoch < 1:
            raise ValueError("valid_images, lr_patch and patches_per_epoch must be 1 or more")


@dataclass
class SRTrainConfig(TrainConfig):
    """L1 loss and Adam, as the SR baselines and WDSR-B train; `threads` pins torch for every stage."""
    epochs: int = 30
    batch_size: int = 16
    optimizer: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    threads: int = 2


@dataclass
class BaselineConfig:
    name: str = "fsrcnn"  # fsrcnn | espcn | wdsr_b (models.SR_MODELS)
    options: Dict[str, Any] = field(default_factory=dict)  # the model's constructor arguments

    def __post_init__(self):
        if self.name not in SR_MODELS:
            raise ValueError(f"unknown baseline '{self.name}' (known: {', '.join(SR_MODELS)})")


@dataclass
class SupernetConfig:
    """The weight-sharing supernet's training (the train section's optimiser and batch)."""
    epochs: int = 30
    n_random: int = 2  # random sub-networks per step beside the largest and smallest (sandwich rule)


@dataclass
class SRLatencyConfig:
    threads: int = 2  # ONNX Runtime intra-op threads, pinned
    warmup: int = 3
    repeats: int = 20  # latency table entries: median of repeats
    rounds: int = 20  # end to end: rounds over every model, interleaved, median of the rounds
    input: Dict[int, List[int]] = field(default_factory=lambda: {s: list(hw) for s, hw in DEPLOYMENT_INPUT.items()})
    # LR (height, width) per scale; the deployment shape makes a 720p output frame

    def per_frame(self, scale: int) -> float:
        """Factor from milliseconds at the measured input to milliseconds per 720p frame (1 at the
        deployment shape; convolutions' work grows with pixels, fixed overheads make it an over-estimate)."""
        h, w = self.input[scale]
        dh, dw = DEPLOYMENT_INPUT[scale]
        return dh * dw / (h * w)

    def at_deployment(self, scale: int) -> bool:
        return tuple(self.input[scale]) == DEPLOYMENT_INPUT[scale]


@dataclass
class SearchConfig:
    """Regularised evolution over the supernet's sub-networks (search.evolutionary_search)."""
    population: int = 16
    cycles: int = 64
    tournament: int = 4
    mutation: float = 0.25
    budget_ms: float = 100.0  # predicted ms per 720p frame
    seed: int = 0


@dataclass
class PruningConfig:
    """Per-block channel pruning ratios of the searched model (search.pruning_ratio_search), then fine-tuning."""
    ratios: List[float] = field(default_factory=lambda: [0.25, 0.5, 0.75])
    budget_ms: Optional[float] = 60.0  # predicted ms per 720p frame
    budget_share: Optional[float] = None  # instead of budget_ms: this share of the searched model's prediction
    finetune_epochs: int = 10
    finetune_lr: float = 2e-4

    def __post_init__(self):
        if not self.ratios or not all(0 < r < 1 for r in self.ratios):
            raise ValueError(f"pruning ratios must be in (0, 1), not {self.ratios}")
        if (self.budget_ms is None) == (self.budget_share is None):
            raise ValueError("give one of budget_ms and budget_share (the other null)")
        if self.budget_share is not None and not 0 < self.budget_share <= 1:
            raise ValueError(f"budget_share must be in (0, 1], not {self.budget_share:g}")

    def budget(self, searched_ms: float) -> float:
        """The pruned model's budget in ms per 720p frame, for a searched model of `searched_ms`."""
        return self.budget_ms if self.budget_ms is not None else self.budget_share * searched_ms


@dataclass
class SRResultsConfig:
    """Issue 27's targets: a searched model Pareto-dominates `dominated` on Set5 PSNR and measured
    latency at every scale, and one runs a 720p frame in at most `max_ms`."""
    dominated: List[str] = field(default_factory=lambda: ["fsrcnn", "espcn"])
    max_ms: float = 100.0


@dataclass
class SRRecipeConfig:
    data: SRDataConfig = field(default_factory=SRDataConfig)
    train: SRTrainConfig = field(default_factory=SRTrainConfig)
    baselines: List[BaselineConfig] = field(default_factory=lambda: [
        BaselineConfig("fsrcnn"), BaselineConfig("espcn"), BaselineConfig("wdsr_b")])
    space: SearchSpace = field(default_factory=SearchSpace)
    supernet: SupernetConfig = field(default_factory=SupernetConfig)
    latency: SRLatencyConfig = field(default_factory=SRLatencyConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    pruning: PruningConfig = field(default_factory=PruningConfig)
    results: SRResultsConfig = field(default_factory=SRResultsConfig)

    def __post_init__(self):
        for scale in self.data.scales:
            if scale not in self.latency.input or len(self.latency.input[scale]) != 2:
                raise ValueError(f"latency.input has no (height, width) for x{scale} (data.scales)")
            if scale not in DEPLOYMENT_INPUT:
                raise ValueError(f"x{scale} has no 720p deployment shape (known: "
                                 f"{', '.join(f'x{s}' for s in DEPLOYMENT_INPUT)})")
        names = [b.name for b in self.baselines]
        if len(set(names)) != len(names):
            raise ValueError(f"baselines must have distinct names (their folders), not {names}")
        missing = [n for n in self.results.dominated if n not in names]
        if missing:
            raise ValueError(f"results.dominated names '{missing[0]}', which is not a baseline ({', '.join(names)})")
