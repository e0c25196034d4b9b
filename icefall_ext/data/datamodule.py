"""Dataloaders over lhotse cuts with precomputed features, as icefall's asr_datamodule.

Training batches are bucketed by duration, sharded per rank under torchrun, mixed with
noise (CutMix, in the feature domain) and masked with SpecAugment.
"""
from typing import Optional

import torch
from lhotse import CutSet
from lhotse.dataset import (
    CutMix,
    DynamicBucketingSampler,
    K2SpeechRecognitionDataset,
    SimpleCutSampler,
    SpecAugment,
)

import icefall_ext.features.kaldi_native_fbank  # noqa: F401  (registers the extractor CutMix mixes our features with)
from icefall_ext.asr_config import TrainConfig


def train_dataloader(
    cuts: CutSet,
    cfg: TrainConfig,
    noise_cuts: Optional[CutSet] = None,
    world_size: int = 1,
    rank: int = 0,
    augment: bool = True,
    augment_seed: int = 0,
) -> torch.utils.data.DataLoader:
    """augment=False leaves out SpecAugment and noise (see TrainConfig.augment_start_epoch).
    The sampler's seed (cfg.seed) must be the same on every rank; augment_seed differs per rank."""
    cut_transforms = []
    if augment and noise_cuts is not None and cfg.noise_prob > 0:
        # Eager noise: with a lazy manifest CutMix refills a 2,000-cut shuffle buffer for every batch.
        noise = noise_cuts.to_eager()
        cut_transforms.append(
            CutMix(cuts=noise, p=cfg.noise_prob, snr=tuple(cfg.noise_snr), preserve_id=True, seed=augment_seed)
        )
    input_transforms = []
    if augment and cfg.spec_augment:
        input_transforms.append(
            SpecAugment(
                time_warp_factor=20,
                num_frame_masks=cfg.spec_augment_frame_masks,
                frames_mask_size=cfg.spec_augment_frames_mask_size,
                num_feature_masks=cfg.spec_augment_feature_masks,
                features_mask_size=cfg.spec_augment_features_mask_size,
            )
        )
    dataset = K2SpeechRecognitionDataset(cut_transforms=cut_transforms, input_transforms=input_transforms, return_cuts=True)
    sampler = DynamicBucketingSampler(
        cuts,
        max_duration=cfg.max_duration,
        shuffle=True,
        num_buckets=cfg.num_buckets,
        drop_last=True,
        world_size=world_size,
        rank=rank,
        seed=cfg.seed,
    )
    return torch.utils.data.DataLoader(dataset, sampler=sampler, batch_size=None, num_workers=cfg.num_workers)


def eval_dataloader(cuts: CutSet, max_duration: float, world_size: int = 1, rank: int = 0) -> torch.utils.data.DataLoader:
    """Unshuffled batches of whole cuts, for validation and decoding."""
    dataset = K2SpeechRecognitionDataset(return_cuts=True)
    sampler = SimpleCutSampler(cuts, max_duration=max_duration, shuffle=False, world_size=world_size, rank=rank)
    return torch.utils.data.DataLoader(dataset, sampler=sampler, batch_size=None, num_workers=0)
