"""Transcript words missing from the lexicon become the OOV word and are counted; the LM weight is
chosen on dev; GMM features have Kaldi's shape."""
import numpy as np
import pytest

from icefall_ext.decoding.scoring import write_wer_summary
from icefall_ext.hybrid.data import map_to_vocabulary
from icefall_ext.hybrid.features import add_deltas, gmm_features
from icefall_ext.hybrid.results import choose_lm_weight, lm_weight_wers
from recipe_common.errors import InputError


def test_oov_words_are_mapped_and_counted():
    ids, oovs = map_to_vocabulary({"u1": ["A", "ZZ", "B"], "u2": ["ZZ", "YY"]}, {"<UNK>": 1, "A": 2, "B": 3}, "<UNK>", "text")
    assert ids == {"u1": [2, 1, 3], "u2": [1, 1]}
    assert oovs == {"ZZ": 2, "YY": 1}
    with pytest.raises(InputError, match="OOV word '<oov>' is not in words.txt"):
        map_to_vocabulary({}, {"A": 1}, "<oov>", "text")


def test_lm_weight_chosen_on_dev(tmp_path):
    for w, wer in [(7, 30.0), (9, 20.0), (11, 20.0), (13, 25.0)]:
        write_wer_summary(tmp_path / f"wer-summary-dev-lmwt-{w}.txt", "x", wer)
    wers = lm_weight_wers(tmp_path, "dev")
    assert wers == {7.0: 30.0, 9.0: 20.0, 11.0: 20.0, 13.0: 25.0}
    assert choose_lm_weight(wers, "x") == 9.0  # ties: the lower weight
    with pytest.raises(InputError, match="no scored dev results"):
        choose_lm_weight({}, "exp/mono")


def test_features_shape_and_cmn():
    x = 0.1 * np.random.RandomState(0).randn(8000).astype(np.float32)
    f = gmm_features(x, 16000)
    assert f.shape == (48, 39) and np.allclose(f.mean(0), 0.0, atol=1e-4)
    ramp = np.arange(10, dtype=np.float32)[:, None]
    d = add_deltas(ramp, order=1)
    assert np.allclose(d[2:-2, 1], 1.0)  # slope of a ramp, away from the repeated edges
