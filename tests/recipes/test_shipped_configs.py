"""Every config a recipe ships loads with that recipe's config class: the paper-scale configs
(conf/full.yaml) never run in CI, so a renamed or misspelt key would otherwise surface only on a
user's cluster."""
from pathlib import Path

import pytest

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.hybrid.config import HybridRecipeConfig
from diarization.config import DiarRecipeConfig
from recipe_common.config import load_config
from vision_egs.mest.config import MestRecipeConfig
from vision_egs.pruning.config import PruningConfig
from vision_egs.red.config import RedConfig
from vision_egs.sr_search.config import SRRecipeConfig

ROOT = Path(__file__).resolve().parents[2]
CONFIG_CLASSES = {
    "egs/fsdd/ASR": AsrRecipeConfig,
    "egs/an4/ASR": AsrRecipeConfig,
    "egs/an4/s5": HybridRecipeConfig,
    "egs/an4/SURT": AsrRecipeConfig,  # ../ASR's config as its base, plus the surt section
    "egs/speechocean762/ASR": AsrRecipeConfig,
    "egs/librispeech/ASR": AsrRecipeConfig,
    "egs/meeting/diar": DiarRecipeConfig,
    "egs/ami/diar": DiarRecipeConfig,
    "vision_egs/red": RedConfig,
    "vision_egs/pruning": PruningConfig,
    "vision_egs/mest": MestRecipeConfig,
    "vision_egs/sr_search": SRRecipeConfig,
}
SHIPPED = sorted(ROOT.glob("egs/*/*/conf/*.yaml")) + sorted(ROOT.glob("vision_egs/*/conf/*.yaml"))


def test_every_recipe_with_configs_is_covered():
    recipes = {str(p.parent.parent.relative_to(ROOT)) for p in SHIPPED}
    assert recipes == set(CONFIG_CLASSES)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_config_loads(path):
    config_class = CONFIG_CLASSES[str(path.parent.parent.relative_to(ROOT))]
    assert isinstance(load_config(path, config_class), config_class)
