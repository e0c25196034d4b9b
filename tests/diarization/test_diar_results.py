"""The diarisation targets of RESULTS.md take their thresholds from the config's `results` section;
malformed ones are refused in one line naming the file and the key."""
import pytest

from diarization.bin.write_results import targets
from diarization.config import DiarRecipeConfig, ResultsConfig
from recipe_common.config import load_config
from recipe_common.errors import InputError

SCORES = {d: {"test_moving": {"der_0.25": m}, "test_stationary": {"der_0.25": s}}
          for d, m, s in [("ahc", 10.0, 8.0), ("ahc_stationary", 9.0, 7.0), ("ahc_kalman", 7.5, 7.0),
                          ("particle", 8.0, 7.5)]}


def test_thresholds_come_from_the_config():
    default = "\n".join(targets(SCORES, ResultsConfig()))
    assert "Kalman AHC 7.50% vs 0.8 × embedding-only 8.00% and stationary-location 9.00%: met" in default
    assert "particle filter 8.00% within 10% relative of Kalman AHC 7.50% (or better): met" in default
    strict = "\n".join(targets(SCORES, ResultsConfig(max_kalman_der_ratio=0.7, particle_relative_tolerance=0.05)))
    assert "vs 0.7 × embedding-only 7.00% and stationary-location 9.00%: NOT met" in strict
    assert "particle filter 8.00% within 5% relative of Kalman AHC 7.50% (or better): NOT met" in strict


def test_shipped_configs_hold_the_defaults(repo_root):
    for recipe in ("meeting", "ami"):
        assert load_config(repo_root / "egs" / recipe / "diar" / "conf" / "ci.yaml", DiarRecipeConfig).results \
            == ResultsConfig()


@pytest.mark.parametrize("section, message", [
    ("{ratio: 0.8}", "unknown key 'results.ratio' (known: max_kalman_der_ratio, particle_relative_tolerance)"),
    ("{particle_relative_tolerance: [0.1]}", "'results.particle_relative_tolerance' should be a number, not [0.1]"),
    ("{max_kalman_der_ratio: 0}", "'results': max_kalman_der_ratio must be positive, not 0"),
])
def test_malformed_threshold_is_one_line_error(tmp_path, section, message):
    conf = tmp_path / "bad.yaml"
    conf.write_text(f"results: {section}\n")
    with pytest.raises(InputError) as e:
        load_config(conf, DiarRecipeConfig)
    assert str(e.value) == f"{conf}: {message}"
