import pytest

from icefall_ext.asr_config import AsrRecipeConfig
from recipe_common.config import load_config
from recipe_common.errors import InputError


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


def test_a_float_spelt_without_a_dot_is_a_number(tmp_path):
    """YAML 1.1 (PyYAML) reads `1e-3` as the string '1e-3'; a float field takes the number it spells."""
    path = tmp_path / "c.yaml"
    path.write_text("train:\n  base_lr: 1e-3\n  noise_snr: [5, 2e1]\n")
    cfg = load_config(path, AsrRecipeConfig)
    assert cfg.train.base_lr == 0.001 and isinstance(cfg.train.base_lr, float)
    assert cfg.train.noise_snr == [5.0, 20.0]


@pytest.mark.parametrize(
    "text, message",
    [
        ('train:\n  num_epochs: "three"\n', "'train.num_epochs' should be an integer, not 'three'"),
        ("train:\n  num_epochs: 2.5\n", "'train.num_epochs' should be an integer, not 2.5"),
        ("train:\n  spec_augment: 1\n", "'train.spec_augment' should be true or false, not 1"),
        ("train:\n  base_lr: fast\n", "'train.base_lr' should be a number, not 'fast'"),
        ("train:\n  base_lr: .inf\n", "'train.base_lr' should be a finite number, not inf"),
        ("features:\n  speed_perturb: [0.9, x]\n", r"'features.speed_perturb\[1\]' should be a number, not 'x'"),
        ("features:\n  speed_perturb: 0.9\n", "'features.speed_perturb' should be a list, not 0.9"),
        ("tokens:\n  model_type: 3\n", "'tokens.model_type' should be a string, not 3"),
        ("model:\n  encoder_type: zipformer\n", "'model': unknown encoder_type 'zipformer' \\(known: "),
        ("results:\n  anchors: [{system: s, test_set: t, wer: x, source: y}]\n",
         r"'results.anchors\[0\].wer' should be a number, not 'x'"),
    ],
)
def test_values_are_checked_against_the_type_hints(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=f"c.yaml: {message}"):
        load_config(path, AsrRecipeConfig)


def test_an_integral_float_is_an_integer(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("train:\n  num_epochs: 3.0\n")
    cfg = load_config(path, AsrRecipeConfig)
    assert cfg.train.num_epochs == 3 and isinstance(cfg.train.num_epochs, int)


def test_a_key_the_recipe_would_overwrite_is_refused(tmp_path):
    """simulation.meeting.moving_fraction is set per condition by simulation.moving_fraction."""
    from diarization.config import DiarRecipeConfig

    path = tmp_path / "c.yaml"
    path.write_text("simulation:\n  meeting: {moving_fraction: 0.5}\n")
    with pytest.raises(InputError, match="c.yaml: 'simulation': meeting.moving_fraction is set per condition"):
        load_config(path, DiarRecipeConfig)


def test_the_corpus_section_is_typed_by_its_name(tmp_path):
    from icefall_ext.data.connected_digits import ConnectedDigitsConfig

    path = tmp_path / "c.yaml"
    path.write_text("corpus:\n  name: connected_digits\n  min_digits: 2\n")
    corpus = load_config(path, AsrRecipeConfig).corpus
    assert isinstance(corpus, ConnectedDigitsConfig) and corpus.min_digits == 2
    path.write_text("corpus:\n  name: connected_digits\n  min_digit: 2\n")
    with pytest.raises(InputError, match="c.yaml: unknown key 'corpus.min_digit'"):
        load_config(path, AsrRecipeConfig)
    path.write_text("corpus:\n  min_digits: 2\n")
    with pytest.raises(InputError, match="c.yaml: '\\(top level\\)': corpus.name must be one of connected_digits, not None"):
        load_config(path, AsrRecipeConfig)
    path.write_text("train: {num_epochs: 1}\n")
    assert load_config(path, AsrRecipeConfig).corpus is None


def test_a_job_array_shares_the_items_between_its_tasks():
    import argparse

    from recipe_common.cli import add_job_arguments, job_share

    p = argparse.ArgumentParser()
    add_job_arguments(p)
    items = list("abcde")
    shares = [job_share(items, p.parse_args(["--job", str(j), "--num-jobs", "2"])) for j in (1, 2)]
    assert shares == [["a", "c", "e"], ["b", "d"]] and job_share(items, p.parse_args([])) == items
    with pytest.raises(InputError, match="--job 3: must be in 1..--num-jobs \\(2\\)"):
        job_share(items, p.parse_args(["--job", "3", "--num-jobs", "2"]))


def test_a_yaml_syntax_error_names_the_file_line_and_column(tmp_path):
    """Today: 'invalid YAML (while parsing a flow sequence)', with no line or column."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("train:\n  num_epochs: 3\n  lr: [1, 2\nmodel: {}\n")
    with pytest.raises(InputError) as e:
        load_config(bad, AsrRecipeConfig)
    assert str(e.value) == f"{bad}: invalid YAML at line 4, column 6: expected ',' or ']', but got ':'"


def test_a_variant_config_states_only_what_it_changes_over_its_base(tmp_path):
    (tmp_path / "tiny.yaml").write_text(
        "model:\n  encoder: {d_model: 64, num_layers: 2}\n  loss: full\ntrain:\n  num_epochs: 3\n"
        "decode:\n  methods: [greedy_search, modified_beam_search]\n")
    (tmp_path / "variants").mkdir()
    (tmp_path / "variants" / "pruned.yaml").write_text(
        "base: ../tiny.yaml\nmodel:\n  loss: pruned\n  encoder: {num_layers: 4}\ndecode:\n  methods: [greedy_search]\n")
    cfg = load_config(tmp_path / "variants" / "pruned.yaml", AsrRecipeConfig)
    assert cfg.model.loss == "pruned" and cfg.model.encoder.num_layers == 4
    assert cfg.model.encoder.d_model == 64 and cfg.train.num_epochs == 3  # kept from the base
    assert cfg.decode.methods == ["greedy_search"]  # a list replaces the base's, it is not appended


def test_a_base_that_is_missing_or_makes_a_cycle_is_one_line(tmp_path):
    (tmp_path / "a.yaml").write_text("base: b.yaml\n")
    with pytest.raises(InputError, match="a.yaml: 'base' b.yaml: config file does not exist"):
        load_config(tmp_path / "a.yaml", AsrRecipeConfig)
    (tmp_path / "b.yaml").write_text("base: a.yaml\n")
    with pytest.raises(InputError, match="'base' makes a cycle"):
        load_config(tmp_path / "a.yaml", AsrRecipeConfig)
    (tmp_path / "c.yaml").write_text("base: [a.yaml]\n")
    with pytest.raises(InputError, match="'base' should be the path of another config"):
        load_config(tmp_path / "c.yaml", AsrRecipeConfig)
