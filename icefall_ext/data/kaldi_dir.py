"""Kaldi data directories (wav.scp, text, utt2spk, spk2utt) from lhotse cuts and back.

Users bring Kaldi data dirs; `read_wav_scp` accepts plain paths (not piped commands)."""
from pathlib import Path
from typing import Dict, List, Tuple, Union

from lhotse import CutSet

from recipe_common.errors import InputError
from recipe_common.io import write_text_atomic


def write_kaldi_data_dir(cuts: CutSet, out_dir: Union[str, Path]) -> None:
    """One utterance per single-supervision cut; keys sorted as Kaldi requires (LC_ALL=C)."""
    out_dir = Path(out_dir)
    rows = sorted((c.id, c.recording.sources[0].source, c.supervisions[0].text, c.supervisions[0].speaker) for c in cuts)
    write_text_atomic(out_dir / "wav.scp", "".join(f"{u} {p}\n" for u, p, _, _ in rows))
    write_text_atomic(out_dir / "text", "".join(f"{u} {t}\n" for u, _, t, _ in rows))
    write_text_atomic(out_dir / "utt2spk", "".join(f"{u} {s}\n" for u, _, _, s in rows))
    spk2utt: Dict[str, List[str]] = {}
    for u, _, _, s in rows:
        spk2utt.setdefault(s, []).append(u)
    write_text_atomic(out_dir / "spk2utt", "".join(f"{s} {' '.join(us)}\n" for s, us in sorted(spk2utt.items())))


def read_wav_scp(path: Union[str, Path]) -> List[Tuple[str, Path]]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: wav.scp does not exist")
    entries = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or parts[1].rstrip().endswith("|"):
            raise InputError(f"{path}:{n}: expected '<utt-id> <wav path>' (piped commands are not supported)")
        entries.append((parts[0], Path(parts[1].strip())))
    if not entries:
        raise InputError(f"{path}: wav.scp is empty")
    return entries
