"""Scale selection: the suffix parser inverts search.scale_suffix (negative LODR scales included);
the lowest dev WER wins, the first of equals; another checkpoint's files and an unscored grid are
not mixed in; bin/choose_scales writes decode options."""
import subprocess
import sys

import pytest

from icefall_ext.decoding.scale_selection import choose_scales, parse_scale_suffix
from icefall_ext.decoding.scoring import write_wer_summary
from icefall_ext.decoding.search import scale_suffix
from recipe_common.errors import InputError


@pytest.mark.parametrize("scales", [{"lm_scale": 0.3}, {"lm_scale": 0.25, "lodr_scale": -0.1},
                                    {"lm_scale": 0.0, "ilme_scale": 1e-3}, {}])
def test_the_parser_inverts_scale_suffix(scales):
    assert parse_scale_suffix(scale_suffix(scales)) == scales


def test_the_lowest_dev_wer_wins_and_other_checkpoints_are_left_out(tmp_path):
    for scales, wer in [({"lm_scale": 0.1, "lodr_scale": -0.1}, 12.5), ({"lm_scale": 0.2, "lodr_scale": -0.1}, 11.0),
                        ({"lm_scale": 0.3, "lodr_scale": -0.2}, 11.0), ({"lm_scale": 0.4, "lodr_scale": -0.2}, 13.0)]:
        write_wer_summary(tmp_path / f"wer-summary-dev-epoch-5-avg-1{scale_suffix(scales)}.txt", "x", wer)
    write_wer_summary(tmp_path / "wer-summary-dev-epoch-5-avg-10-lm-scale-0.5.txt", "x", 1.0)
    write_wer_summary(tmp_path / "wer-summary-test-epoch-5-avg-1-lm-scale-0.5.txt", "x", 1.0)
    assert choose_scales(tmp_path, "dev", "epoch-5-avg-1") == ({"lm_scale": 0.2, "lodr_scale": -0.1}, 11.0)
    with pytest.raises(InputError, match="no wer-summary-dev-epoch-9-avg-1"):
        choose_scales(tmp_path, "dev", "epoch-9-avg-1")
    out = tmp_path / "chosen.txt"
    proc = subprocess.run([sys.executable, "-m", "icefall_ext.bin.choose_scales", "--decode-dir", str(tmp_path),
                           "--test-set", "dev", "--settings", "epoch-5-avg-1", "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and out.read_text() == "--lm-scale 0.2 --lodr-scale -0.1\n"
