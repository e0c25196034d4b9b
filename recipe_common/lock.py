"""One run per experiment directory at a time: an exclusive flock(2) on a lock file that holds the
owner's PID, the same as utils/exp_lock.sh takes for a recipe's run.sh. The kernel releases the
lock when its process dies, so a PID left behind by a killed run is taken over with a warning."""
import fcntl
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

from recipe_common.errors import InputError


@contextmanager
def exclusive_dir(directory: Union[str, Path], name: str = ".train.lock") -> Iterator[None]:
    """Holds directory/name while the block runs; another holder makes it raise InputError naming that PID."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    f = open(path, "a+")
    try:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "unknown"
            raise InputError(f"{directory} is in use by another run (PID {holder}, lock {path}); "
                             "wait for it to finish or use another --exp-dir")
        f.seek(0)
        stale = f.read().strip()
        if stale:
            logging.warning(f"{path}: taking over the stale lock of PID {stale}, which no longer holds it")
        f.truncate(0)
        f.write(f"{os.getpid()}\n")
        f.flush()
        try:
            yield
        finally:
            f.truncate(0)
    finally:
        f.close()
