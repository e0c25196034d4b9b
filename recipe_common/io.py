"""Atomic writes (a stage either leaves a complete output or none; a full disk is one line naming
the file; what a killed write left is found and removed), and reading the TSV files stages write."""
import contextlib
import csv
import errno
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Union

from recipe_common.errors import InputError

PathLike = Union[str, Path]
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)  # no space left on device; disk quota exceeded
# atomic_path's temporary names: "." + target name + "." + mkstemp's 8 random characters + ".tmp..."
_TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp(\.[^.]+)*$")


def disk_full_error(e: Optional[BaseException]) -> Optional[OSError]:
    """The ENOSPC or EDQUOT OSError that is `e` or that `e` was raised from or during (a writer such
    as torch.save's raises its own error while that OSError unwinds it), else None."""
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in DISK_FULL:
            return e
        e = e.__cause__ or e.__context__
    return None


@contextlib.contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """Yields a temporary path beside `path`; renames it onto `path` only on success. A full disk
    (or quota) while writing it is one InputError naming `path`; the temporary file is removed on
    any failure (one left by a killed process is removed by `remove_leftover_temp_files`)."""
    path = Path(path)
    tmp_path = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + "".join(path.suffixes), dir=path.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        os.chmod(tmp_path, 0o644)  # mkstemp's 0600 would make results unreadable to others
        yield tmp_path
        os.replace(tmp_path, path)
    except Exception as e:
        full = disk_full_error(e)
        if full is None or isinstance(e, InputError):  # not a full disk, or already named by an inner write
            raise
        raise InputError(f"{path}: {os.strerror(full.errno)} (nothing written; free space and run again)") from e
    finally:
        if tmp_path is not None and tmp_path.exists():
            tmp_path.unlink()


def remove_leftover_temp_files(*dirs: PathLike) -> List[Path]:
    """Removes the temporary files of atomic writes that a killed process left in `dirs` (not
    below them); call it where no other process writes there. Returns what it removed."""
    removed = []
    for d in map(Path, dirs):
        if d.is_dir():
            for p in sorted(d.iterdir()):
                if p.is_file() and _TEMP_NAME.match(p.name):
                    p.unlink()
                    removed.append(p)
    if removed:
        logging.info(f"removed {len(removed)} temporary file(s) of an interrupted save: {', '.join(map(str, removed))}")
    return removed


def write_text_atomic(path: PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def read_tsv(path: PathLike) -> List[Dict[str, str]]:
    """The rows of a tab-separated file with a header line; [] when the file does not exist."""
    path = Path(path)
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))
