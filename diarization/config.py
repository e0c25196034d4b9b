"""The config of the diarisation recipes (egs/meeting/diar, egs/ami/diar): one dataclass per section."""
from dataclasses import dataclass, field
from typing import List, Optional

from diarization.diarizers import DiarizersConfig
from diarization.frontend import FrontendConfig
from diarization.simulate import MeetingSimConfig


@dataclass
class SimulationConfig:
    meeting: MeetingSimConfig = field(default_factory=MeetingSimConfig)
    moving_fraction: float = 0.67  # share of speakers pacing in the 'moving' condition (0 in 'stationary')
    dev_meetings: int = 4  # per condition, to choose each diariser's operating point
    test_meetings: int = 10  # per condition
    speakers: Optional[List[str]] = None  # the speaker pool; None: every speaker of the corpus
    seed: int = 0

    def __post_init__(self):
        if self.meeting.moving_fraction != 0.0:
            raise ValueError("meeting.moving_fraction is set per condition (0 when stationary); "
                             "set simulation.moving_fraction instead")
        if not 0.0 <= self.moving_fraction <= 1.0:
            raise ValueError(f"moving_fraction must be in [0, 1], not {self.moving_fraction}")


@dataclass
class ScoringConfig:
    collars: List[float] = field(default_factory=lambda: [0.25, 0.0])
    plot_meetings: int = 2  # azimuth-over-time figures per test set


@dataclass
class DiarRecipeConfig:
    simulation: SimulationConfig = field(default_factory=SimulationConfig)
    frontend: FrontendConfig = field(default_factory=FrontendConfig)
    diarizers: DiarizersConfig = field(default_factory=DiarizersConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
