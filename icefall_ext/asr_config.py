"""The config of an ASR recipe (`conf/*.yaml`), one dataclass per section."""
from dataclasses import dataclass, field
from typing import Any, Dict, List

from icefall_ext.models.transducer import TransducerConfig


@dataclass
class FeaturesConfig:
    speed_perturb: List[float] = field(default_factory=lambda: [0.9, 1.1])
    num_noise_recordings: int = 30  # synthetic coloured noise used by CutMix in training
    noise_duration: float = 10.0


@dataclass
class TokensConfig:
    vocab_size: int = 32
    model_type: str = "unigram"


@dataclass
class TrainConfig:
    num_epochs: int = 10
    max_duration: float = 120.0  # seconds of audio per batch
    num_buckets: int = 10
    base_lr: float = 2e-3
    warmup_steps: int = 200
    lr_steps: int = 1000  # Eden-style decay: lr ~ ((step^2 + lr_steps^2) / lr_steps^2)^-0.25
    weight_decay: float = 1e-3
    grad_clip: float = 5.0
    spec_augment: bool = True
    spec_augment_frame_masks: int = 2
    spec_augment_frames_mask_size: int = 20
    spec_augment_feature_masks: int = 2
    spec_augment_features_mask_size: int = 15
    # Epoch from which SpecAugment and noise are applied. Without them the model leaves the
    # initial all-blank plateau within a few hundred steps; with them from the start it can
    # stay there for thousands (measured on FSDD connected digits).
    augment_start_epoch: int = 2
    noise_prob: float = 0.5
    noise_snr: List[float] = field(default_factory=lambda: [5.0, 25.0])
    num_workers: int = 0
    log_interval: int = 20
    seed: int = 42


@dataclass
class DecodeConfig:
    methods: List[str] = field(default_factory=lambda: ["greedy_search", "modified_beam_search"])
    beam: int = 4
    avg: int = 3  # average of the last `avg` epoch checkpoints
    max_duration: float = 300.0


@dataclass
class AsrRecipeConfig:
    corpus: Dict[str, Any] = field(default_factory=dict)  # validated by the corpus's own prepare step
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    tokens: TokensConfig = field(default_factory=TokensConfig)
    model: TransducerConfig = field(default_factory=TransducerConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
