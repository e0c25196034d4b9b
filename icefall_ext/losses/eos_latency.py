"""The end-of-sentence latency penalty of Li et al. 2020 ("Towards fast and accurate streaming
end-to-end ASR", ICASSP 2020), applied to the <eos> emission in the RNN-T lattice: emitting <eos>
at encoder frame t costs
    late_scale * max(0, t - (ref_end + buffer)) + early_scale * max(0, (ref_end - buffer) - t)
nats, added to the loss through rnnt_loss's last_label_penalty (<eos> is every training
transcript's last label). ref_end is the reference end frame of the last word (a forced
alignment's, see eos_endpoint.py); within `buffer` frames of it nothing is charged.
"""
from dataclasses import dataclass

import torch


@dataclass
class EosPenaltyConfig:
    late_scale: float = 0.0  # nats per frame of <eos> after ref_end + buffer
    early_scale: float = 0.0  # nats per frame of <eos> before ref_end - buffer
    buffer_frames: int = 2  # encoder frames either side of ref_end charged nothing

    def __post_init__(self):
        for name in ("late_scale", "early_scale", "buffer_frames"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, not {getattr(self, name)}")


def eos_emission_penalty(num_frames: int, ref_end_frames: torch.Tensor, cfg: EosPenaltyConfig) -> torch.Tensor:
    """(B, num_frames) penalty of emitting <eos> at each encoder frame; ref_end_frames: (B,)."""
    t = torch.arange(num_frames, device=ref_end_frames.device, dtype=torch.float32).unsqueeze(0)
    ref = ref_end_frames.to(torch.float32).unsqueeze(1)
    late = (t - (ref + cfg.buffer_frames)).clamp(min=0)
    early = ((ref - cfg.buffer_frames) - t).clamp(min=0)
    return cfg.late_scale * late + cfg.early_scale * early
