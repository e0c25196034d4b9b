import pytest

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.utils.config import load_config
from icefall_ext.utils.errors import InputError


def test_nested_sections_and_defaults(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model:\n  encoder: {d_model: 64, num_layers: 2}\ntrain:\n  num_epochs: 3\n")
    cfg = load_config(path, AsrRecipeConfig)
    assert cfg.model.encoder.d_model == 64 and cfg.model.encoder.num_layers == 2
    assert cfg.train.num_epochs == 3 and cfg.decode.beam == 4


@pytest.mark.parametrize(
    "text, key",
    [
        ("trian:\n  num_epochs: 3\n", "trian"),
        ("train:\n  num_epoch: 3\n", "train.num_epoch"),
        ("model:\n  encoder: {dmodel: 3}\n", "model.encoder.dmodel"),
    ],
)
def test_unknown_keys_are_named(tmp_path, text, key):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=f"c.yaml: unknown key '{key}'"):
        load_config(path, AsrRecipeConfig)


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_config(tmp_path / "none.yaml", AsrRecipeConfig)
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: [1, 2\n")
    with pytest.raises(InputError, match="invalid YAML"):
        load_config(bad, AsrRecipeConfig)


def test_invalid_values_are_named(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model:\n  encoder: {subsampling_channels: 0}\n")
    with pytest.raises(InputError, match="c.yaml: 'model.encoder': subsampling_channels must be positive, not 0"):
        load_config(path, AsrRecipeConfig)
