"""The config of vision_egs/pruning (`conf/*.yaml`), one dataclass per section."""
from dataclasses import dataclass, field
from typing import Dict, List

from vision_egs.common.data import DataConfig
from vision_egs.common.train import DistillConfig, TrainConfig
from vision_egs.pruning.mapping import CandidateSpace


@dataclass
class CandidatesConfig:
    schemes: List[str] = field(default_factory=lambda: ["unstructured", "pattern", "filter", "channel", "block"])
    block_rows: List[int] = field(default_factory=lambda: [4, 8, 16])
    block_col_splits: List[int] = field(default_factory=lambda: [1, 2])  # block columns = GEMM columns / split
    sparsities: List[float] = field(default_factory=lambda: [0.5, 0.75, 0.875])

    def space(self) -> CandidateSpace:
        return CandidateSpace(self.schemes, self.block_rows, self.block_col_splits, self.sparsities)


@dataclass
class LatencyConfig:
    batch_size: int = 64  # every latency: this batch, these threads, one process
    threads: int = 2
    warmup: int = 3
    repeats: int = 15  # per latency-table entry (median)
    rounds: int = 5  # end-to-end: rounds over all models, interleaved, median of all runs
    runs_per_round: int = 4


@dataclass
class MappingConfig:
    speedup: float = 2.0  # latency budget = dense model's predicted latency / speedup, then calibrated:
    # while the mapped model, compiled with masks from the dense weights, measures end to end under
    # speedup * (1 + speedup_margin), the budget shrinks by the shortfall, at most calibration_rounds times
    speedup_margin: float = 0.05  # headroom for the timing noise between this measurement and stage 4's
    calibration_rounds: int = 3  # 0: the predicted budget alone
    calibration_images: int = 512  # Fisher saliency (training split)
    rule_sensitive_fraction: float = 0.33
    rule_slack: float = 0.1
    population: int = 40
    generations: int = 60
    mutation: float = 0.1
    seed: int = 0

    def __post_init__(self):
        if self.speedup <= 0:
            raise ValueError(f"speedup must be positive, not {self.speedup:g}")
        if self.speedup_margin < 0:
            raise ValueError(f"speedup_margin must not be negative, not {self.speedup_margin:g}")
        if self.calibration_rounds < 0:
            raise ValueError(f"calibration_rounds must not be negative, not {self.calibration_rounds}")


@dataclass
class PruneConfig:
    uniform: List[str] = field(default_factory=lambda: ["unstructured@0.75", "pattern@0.75", "filter@0.5",
                                                        "channel@0.5", "block:8x144@0.75"])
    prune_epochs: int = 4  # gradual (cubic) pruning over these epochs, then fine-tuning with fixed masks
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=8, lr=0.02))
    distill: DistillConfig = field(default_factory=lambda: DistillConfig(alpha=0.9))  # the dense model teaches


@dataclass
class ResultsConfig:
    """The acceptance target of a mapped model, checked in RESULTS.md: at least min_speedup times
    faster than dense, and not significantly less accurate. A lower accuracy counts as a loss only
    when McNemar's exact test on the same test images gives p < min_mcnemar_p (a drop within the
    noise of the test set is no loss), and a drop of more than max_accuracy_drop points never passes."""
    min_speedup: float = 2.0
    max_accuracy_drop: float = 1.0  # points of accuracy below dense
    min_mcnemar_p: float = 0.05

    def __post_init__(self):
        if self.min_speedup <= 0:
            raise ValueError(f"min_speedup must be positive, not {self.min_speedup:g}")
        if self.max_accuracy_drop < 0:
            raise ValueError(f"max_accuracy_drop must not be negative, not {self.max_accuracy_drop:g}")
        if not 0 <= self.min_mcnemar_p <= 1:
            raise ValueError(f"min_mcnemar_p must be in [0, 1], not {self.min_mcnemar_p:g}")

    def met(self, speedup: float, delta_points: float, mcnemar_p: float) -> bool:
        """delta_points: the mapped model's accuracy minus dense's; a significant gain passes."""
        significant_loss = delta_points < 0 and mcnemar_p < self.min_mcnemar_p
        return speedup >= self.min_speedup and delta_points >= -self.max_accuracy_drop and not significant_loss


@dataclass
class PruningConfig:
    data: DataConfig = field(default_factory=DataConfig)
    models: List[str] = field(default_factory=lambda: ["resnet20", "resnet32", "vgg11_half"])
    dense: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=20))
    dense_lr: Dict[str, float] = field(default_factory=dict)  # per-model learning rate (VGG wants a lower one)
    candidates: CandidatesConfig = field(default_factory=CandidatesConfig)
    latency: LatencyConfig = field(default_factory=LatencyConfig)
    mapping: MappingConfig = field(default_factory=MappingConfig)
    prune: PruneConfig = field(default_factory=PruneConfig)
    results: ResultsConfig = field(default_factory=ResultsConfig)
