"""Choosing LM-fusion scales on a dev set: bin/decode.py decodes a grid of scales, each combination
in its own recogs file whose name ends in icefall's scale suffix (`-lm-scale-0.3-lodr-scale--0.1`,
search.scale_suffix); after scoring, the combination with the lowest dev WER is the one the test
sets are decoded with, once. Ties go to the combination listed first (the smallest scales, as the
files sort), so a scale is raised only where it helps."""
import re
from pathlib import Path
from typing import Dict, List, Tuple, Union

from icefall_ext.decoding.scoring import read_wer_summary
from recipe_common.errors import InputError

SCALE_NAMES = ("lm_scale", "ilme_scale", "lodr_scale")
_SPLIT = re.compile("-(" + "|".join(n.replace("_", "-") for n in SCALE_NAMES) + ")-")


def parse_scale_suffix(suffix: str) -> Dict[str, float]:
    """The inverse of search.scale_suffix: `-lm-scale-0.3-lodr-scale--0.1` -> {lm_scale: 0.3, lodr_scale: -0.1}."""
    parts = _SPLIT.split(suffix)
    if parts[0] != "" or len(parts) % 2 == 0:
        raise ValueError(f"not a scale suffix: {suffix!r}")
    return {name.replace("-", "_"): float(value) for name, value in zip(parts[1::2], parts[2::2])}


def dev_wers(decode_dir: Union[str, Path], test_set: str, settings: str) -> List[Tuple[Dict[str, float], float]]:
    """(scales, WER) of every scored wer-summary-<test_set>-<settings><suffix>.txt in decode_dir."""
    prefix = f"wer-summary-{test_set}-{settings}"
    found = []
    for path in sorted(Path(decode_dir).glob(f"{prefix}*.txt")):
        suffix = path.name[len(prefix) : -len(".txt")]
        try:
            scales = parse_scale_suffix(suffix)
        except ValueError:
            continue  # another setting sharing the prefix (epoch-5-avg-1 vs epoch-5-avg-10)
        found.append((scales, read_wer_summary(path)))
    if not found:
        raise InputError(f"{decode_dir}: no {prefix}*.txt with scales (decode a scale grid on {test_set} and score it first)")
    return found


def choose_scales(decode_dir: Union[str, Path], test_set: str, settings: str) -> Tuple[Dict[str, float], float]:
    """The scales of the lowest WER on `test_set` (the first of equals), and that WER."""
    return min(dev_wers(decode_dir, test_set, settings), key=lambda sw: sw[1])
