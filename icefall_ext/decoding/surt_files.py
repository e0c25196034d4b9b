"""What a SURT decode writes and its scoring reads: one JSON line per mixture (or single-talker
utterance) with its references (speaker, start, end of the last aligned word, text; in start
order) and each output channel's token ids and the encoder frame of each (surt_streaming's search).
The names of the files and folders of the SURT recipe's stages are here too."""
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import List, Optional, Union

from lhotse.cut import Cut, MixedCut

from icefall_ext.losses.eos_latency import word_ends_in_cut
from recipe_common.errors import InputError
from recipe_common.io import atomic_path


@dataclass
class Reference:
    speaker: str
    start: float  # seconds in the mixture
    end: Optional[float]  # the end of its last aligned word in the mixture; None: not aligned
    text: str


@dataclass
class Channel:
    tokens: List[int]
    frames: List[int]  # encoder frame of each token


@dataclass
class DecodedMixture:
    id: str
    duration: float
    overlap_ratio: float
    references: List[Reference]
    channels: List[Channel]


def references_of(cut: Cut) -> List[Reference]:
    """The references of a mixture (each track's one supervision) or of a single-talker cut, by start."""
    tracks = [(t.cut, t.offset) for t in cut.tracks if t.cut.supervisions] if isinstance(cut, MixedCut) else [(cut, 0.0)]
    refs = []
    for source, offset in tracks:
        ends = word_ends_in_cut(source)
        for sup in source.supervisions:
            start = sup.start + offset  # a supervision's start counts from its cut's
            refs.append(Reference(sup.speaker or "", start, None if ends is None else max(ends, default=0.0) + offset,
                                  sup.text or ""))
    return sorted(refs, key=lambda r: r.start)


def decode_dir(exp_dir: Union[str, Path], late_scale: float) -> Path:
    """Where the SURT model of one late weight is trained and decoded."""
    return Path(exp_dir) / f"surt_late_{late_scale}"  # as run.sh names it: config_value prints 0.0, 1.0


def decoded_path(model_dir: Union[str, Path], test: str) -> Path:
    return Path(model_dir) / "decode" / f"{test}.jsonl"


def write_decoded(path: Union[str, Path], decoded: List[DecodedMixture]) -> None:
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        for d in decoded:
            f.write(json.dumps(asdict(d)) + "\n")


def read_decoded(path: Union[str, Path]) -> List[DecodedMixture]:
    """The decoded records of `path`; one line naming the file and line of a malformed one."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no SURT decode here (run the decoding stage first)")
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                d = json.loads(line)
                out.append(DecodedMixture(d["id"], float(d["duration"]), float(d["overlap_ratio"]),
                                          [Reference(**r) for r in d["references"]],
                                          [Channel(list(c["tokens"]), list(c["frames"])) for c in d["channels"]]))
            except (ValueError, KeyError, TypeError) as e:
                raise InputError(f"{path}:{n}: not a SURT decode record ({type(e).__name__}: {e})")
    return out
