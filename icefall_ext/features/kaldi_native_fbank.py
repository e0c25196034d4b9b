"""kaldi-native-fbank as a lhotse feature extractor.

sherpa-onnx computes its input features with kaldi-native-fbank; training on features from
the very same library and options (80 bins, snip_edges=False, dither 0, samples in [-1, 1])
removes one source of train/deploy mismatch. Registered with lhotse so that features are
stored, mixed (CutMix with noise) and loaded by lhotse like its own.
"""
from dataclasses import asdict, dataclass
from typing import Any, Dict, Union

import kaldi_native_fbank as knf
import numpy as np
import torch
from lhotse.features.base import FeatureExtractor, register_extractor
from lhotse.utils import EPSILON, Seconds


@dataclass
class KnfFbankConfig:
    num_mel_bins: int = 80
    frame_shift: Seconds = 0.01
    frame_length: Seconds = 0.025
    dither: float = 0.0
    low_freq: float = 20.0
    high_freq: float = -400.0
    snip_edges: bool = False

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "KnfFbankConfig":
        return KnfFbankConfig(**data)


def fbank_options(config: KnfFbankConfig, sampling_rate: int) -> "knf.FbankOptions":
    opts = knf.FbankOptions()
    opts.frame_opts.samp_freq = sampling_rate
    opts.frame_opts.dither = config.dither
    opts.frame_opts.snip_edges = config.snip_edges
    opts.frame_opts.frame_shift_ms = config.frame_shift * 1000
    opts.frame_opts.frame_length_ms = config.frame_length * 1000
    opts.mel_opts.num_bins = config.num_mel_bins
    opts.mel_opts.low_freq = config.low_freq
    opts.mel_opts.high_freq = config.high_freq
    return opts


def compute_knf_fbank(samples: np.ndarray, sampling_rate: int, config: KnfFbankConfig) -> np.ndarray:
    """(num_frames, num_mel_bins) log-mel features of mono samples in [-1, 1]."""
    fbank = knf.OnlineFbank(fbank_options(config, sampling_rate))
    fbank.accept_waveform(sampling_rate, samples.astype(np.float32).tolist())
    fbank.input_finished()
    n = fbank.num_frames_ready
    if n == 0:
        return np.zeros((0, config.num_mel_bins), dtype=np.float32)
    return np.stack([fbank.get_frame(i) for i in range(n)]).astype(np.float32)


@register_extractor
class KaldiNativeFbank(FeatureExtractor):
    name = "kaldi-native-fbank"
    config_type = KnfFbankConfig

    @property
    def frame_shift(self) -> Seconds:
        return self.config.frame_shift

    def feature_dim(self, sampling_rate: int) -> int:
        return self.config.num_mel_bins

    def extract(self, samples: Union[np.ndarray, torch.Tensor], sampling_rate: int) -> np.ndarray:
        if isinstance(samples, torch.Tensor):
            samples = samples.numpy()
        samples = np.asarray(samples)
        if samples.ndim == 2:
            samples = samples[0]
        return compute_knf_fbank(samples, sampling_rate, self.config)

    @staticmethod
    def mix(features_a: np.ndarray, features_b: np.ndarray, energy_scaling_factor_b: float) -> np.ndarray:
        return np.log(np.maximum(EPSILON, np.exp(features_a) + energy_scaling_factor_b * np.exp(features_b)))

    @staticmethod
    def compute_energy(features: np.ndarray) -> float:
        return float(np.sum(np.exp(features)))
