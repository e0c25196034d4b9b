"""Microphone-array geometry: a uniform circular array (AMI's Array1: 8 mics, 10 cm radius) and the
azimuth of a point seen from its centre."""
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from recipe_common.errors import InputError


@dataclass(frozen=True)
class CircularArray:
    num_mics: int = 8
    radius: float = 0.1  # metres
    center: Sequence[float] = (0.0, 0.0, 0.0)  # x, y, z in metres

    def positions(self) -> np.ndarray:
        """[3, M] mic positions, mic 0 on the +x axis, counter-clockwise."""
        angles = 2 * np.pi * np.arange(self.num_mics) / self.num_mics
        cx, cy, cz = self.center
        return np.stack([cx + self.radius * np.cos(angles), cy + self.radius * np.sin(angles),
                         np.full(self.num_mics, cz)])

    def azimuth(self, xy: np.ndarray) -> np.ndarray:
        """Azimuth (radians, in (-pi, pi]) of points [..., 2] seen from the centre."""
        xy = np.asarray(xy, dtype=float)
        return np.arctan2(xy[..., 1] - self.center[1], xy[..., 0] - self.center[0])

    def check_channels(self, num_channels: int, where: str) -> None:
        if num_channels != self.num_mics:
            raise InputError(f"{where}: {num_channels} channels, but the array has {self.num_mics} microphones")


def wrap_angle(a):
    """Angles folded into (-pi, pi]."""
    return np.pi - np.mod(np.pi - np.asarray(a, dtype=float), 2 * np.pi)
