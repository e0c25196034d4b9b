"""The config of vision_egs/red (`conf/*.yaml`), one dataclass per section."""
from dataclasses import dataclass, field
from typing import List, Optional

from vision_egs.common.data import DataConfig
from vision_egs.common.train import TrainConfig


@dataclass
class ClassifiersConfig:
    victims: List[str] = field(default_factory=lambda: ["resnet20", "vgg11_half"])  # the first one is attacked
    # for the denoisers' training data; the others are only seen at evaluation
    surrogate: str = "resnet32"  # f inside CDD-RED's and DS's losses
    train: TrainConfig = field(default_factory=TrainConfig)


@dataclass
class AttacksConfig:
    train: List[str] = field(default_factory=lambda: ["fgsm", "pgd", "cw"])  # on the training split
    test: List[str] = field(default_factory=lambda: ["fgsm", "pgd", "cw", "autoattack"])
    train_images: Optional[int] = None  # class-balanced subset of the training split to attack; None: all
    test_images: Optional[int] = None  # same, test split
    eps: float = 8 / 255  # L_inf budget (FGSM, PGD, AutoAttack)
    pgd_steps: int = 10
    pgd_alpha: float = 2 / 255
    cw_c: float = 1.0
    cw_steps: int = 50
    cw_lr: float = 0.01
    batch_size: int = 250


@dataclass
class DenoiserConfig:
    depth: int = 17  # DnCNN layers (the paper's cifar_dncnn: 17 x 64 channels)
    channels: int = 64
    methods: List[str] = field(default_factory=lambda: ["do", "ds", "cdd_red"])
    gamma: float = 0.025  # weight of CE(f(D(x')), f(x))
    lam: float = 0.025  # weight of CE(f(x' - D(x') + x), f(x'))
    augment: List[str] = field(default_factory=lambda: ["crop_and_pad", "cutmix"])  # each appends a copy
    robust_filter: bool = True  # CE terms only on augmented pairs whose surrogate prediction is unchanged
    train: TrainConfig = field(default_factory=lambda: TrainConfig(optimizer="adam", lr=1e-4, weight_decay=1e-4,
                                                                   schedule="step", step_epochs=140, batch_size=32))


@dataclass
class EvalConfig:
    attribution_images: int = 100  # images per (denoiser, attack, victim) for the IoU
    ig_steps: int = 16  # Integrated Gradients steps
    iou_fraction: float = 0.1  # top 10% pixels
    adaptive_steps: int = 10  # PGD through the denoiser and the victim
    grid_images: int = 6


@dataclass
class ResultsConfig:
    """The paper's ordering on PGD against the first victim, checked in RESULTS.md: CDD-RED's PA_adv
    at least min_pa_adv_gain points above DO's, at a PSNR at most max_psnr_loss dB below DO's."""
    min_pa_adv_gain: float = 10.0
    max_psnr_loss: float = 2.0

    def holds(self, pa_adv_gain: float, psnr_gain: float) -> bool:
        return pa_adv_gain >= self.min_pa_adv_gain and psnr_gain >= -self.max_psnr_loss


@dataclass
class RedConfig:
    data: DataConfig = field(default_factory=DataConfig)
    classifiers: ClassifiersConfig = field(default_factory=ClassifiersConfig)
    attacks: AttacksConfig = field(default_factory=AttacksConfig)
    denoiser: DenoiserConfig = field(default_factory=DenoiserConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    results: ResultsConfig = field(default_factory=ResultsConfig)

