"""The config of the diarisation recipes (egs/meeting/diar, egs/ami/diar): one dataclass per section."""
from dataclasses import dataclass, field
from typing import List, Optional

from icefall_ext.diarization.diarizers import DiarizersConfig
from icefall_ext.diarization.frontend import FrontendConfig
from icefall_ext.diarization.simulate import MeetingSimConfig


@dataclass
class SimulationConfig:
    meeting: MeetingSimConfig = field(default_factory=MeetingSimConfig)
    moving_fraction: float = 0.67  # share of speakers pacing in the 'moving' condition (0 in 'stationary')
    dev_meetings: int = 4  # per condition, to choose each diariser's operating point
    test_meetings: int = 10  # per condition
    speakers: Optional[List[str]] = None  # the speaker pool; None: every speaker of the corpus
    seed: int = 0


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
