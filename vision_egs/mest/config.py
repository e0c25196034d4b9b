"""The config of vision_egs/mest (`conf/*.yaml`), one dataclass per section, and the runs it asks for."""
from dataclasses import dataclass, field
from typing import List, Optional

from vision_egs.common.data import DataConfig
from vision_egs.common.train import TrainConfig
from vision_egs.mest.masks import check_sparsity
from vision_egs.mest.methods import METHODS, SPARSE_METHODS, UpdateConfig
from vision_egs.mest.schemes import SCHEMES


@dataclass
class ModelConfig:
    arch: str = "resnet32"  # resnet32 | vgg19 (GraSP's)
    width: float = 1.0  # channel multiplier

    def __post_init__(self):
        if self.width <= 0:
            raise ValueError(f"width must be positive, not {self.width:g}")


@dataclass
class Setting:
    """Methods compared at one scheme and sparsity."""
    scheme: str = "unstructured"
    sparsity: float = 0.9
    methods: List[str] = field(default_factory=lambda: list(METHODS))
    seeds: List[int] = field(default_factory=lambda: [0])

    def __post_init__(self):
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown sparsity scheme '{self.scheme}' (known: {', '.join(SCHEMES)})")
        check_sparsity(self.sparsity)
        unknown = [m for m in self.methods if m not in METHODS]
        if unknown:
            raise ValueError(f"unknown method '{unknown[0]}' (known: {', '.join(METHODS)})")
        if not self.seeds:
            raise ValueError("seeds must not be empty")


@dataclass
class DataEfficiencyConfig:
    """Forgetting-based removal on one run of `method` at the first setting (MEST's
    main_sparse_train_w_data_efficient.py: --remove-data-epoch, --remove-n)."""
    method: str = "mest_ems"
    remove_epoch: int = 70  # 1-based epoch at whose start the examples go
    remove_fraction: float = 0.24  # of the training images; fewer when fewer were ever learned
    seeds: List[int] = field(default_factory=lambda: [0])

    def __post_init__(self):
        if self.method not in SPARSE_METHODS:
            raise ValueError(f"data efficiency needs a sparse method, not '{self.method}'")
        if not 0 < self.remove_fraction < 1:
            raise ValueError(f"remove_fraction {self.remove_fraction:g} is outside (0, 1)")


@dataclass
class MeasureConfig:
    """Stage 2's step timing of the block-scheme model (one process, the config's threads)."""
    batch_size: int = 64
    warmup: int = 2
    repeats: int = 10


@dataclass
class ResultsConfig:
    """The issue's targets, checked at the first setting (mean accuracies over its seeds)."""
    min_removed_fraction: float = 0.2  # data efficiency: share of training images removed ...
    max_accuracy_drop_std: float = 1.0  # ... with accuracy within this many seed-stds of the full-data run
    min_time_saving: float = 0.15  # ... and training time per epoch this much lower after the removal
    min_block_speedup: float = 1.0  # block model's compiled step over the masked dense one (> this)


@dataclass
class MestRecipeConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        epochs=160, batch_size=64, lr=0.1, weight_decay=1e-4, schedule="cosine"))
    update: UpdateConfig = field(default_factory=UpdateConfig)
    settings: List[Setting] = field(default_factory=lambda: [Setting()])  # the first is the main comparison
    data_efficiency: Optional[DataEfficiencyConfig] = field(default_factory=DataEfficiencyConfig)
    measure: MeasureConfig = field(default_factory=MeasureConfig)
    results: ResultsConfig = field(default_factory=ResultsConfig)
    threads: int = 2

    def __post_init__(self):
        if not self.settings:
            raise ValueError("settings must name at least one scheme and sparsity")
        de = self.data_efficiency
        if de is not None and not 1 < de.remove_epoch <= self.train.epochs:
            raise ValueError(f"data_efficiency.remove_epoch {de.remove_epoch} is not within 2..{self.train.epochs}")
