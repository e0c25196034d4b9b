"""Entry-point wrapper: bad input (and a full disk) becomes one line on stderr and exit status 1."""
import argparse
import os
import sys
from pathlib import Path
from typing import Callable, List, Sequence, Tuple, TypeVar

from recipe_common.errors import InputError
from recipe_common.io import disk_full_error

T = TypeVar("T")


def run_main(main: Callable[[], None]) -> None:
    """A full disk met outside recipe_common.io's atomic writes (which name their file) is one line
    too, naming the file where the OSError does."""
    prog = sys.argv[0].rsplit("/", 1)[-1]
    try:
        main()
    except InputError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception as e:
        full = disk_full_error(e)
        if full is None:
            raise
        print(f"{prog}: error: {full.filename or 'writing a file'}: {os.strerror(full.errno)}", file=sys.stderr)
        sys.exit(1)


def parse_named_paths(specs: List[str], option: str, what: str = "file") -> List[Tuple[str, Path]]:
    """`NAME=PATH` arguments (decode.py's --test-cuts) -> [(name, path)], each path an existing file."""
    pairs = []
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name:
            raise InputError(f"{option}: expected NAME=PATH, got '{spec}'")
        if not Path(path).is_file():
            raise InputError(f"{path}: {what} does not exist")
        pairs.append((name, Path(path)))
    return pairs


def add_job_arguments(p: argparse.ArgumentParser) -> None:
    """--job J --num-jobs N: this process is task J of Kaldi's `run.pl JOB=1:N` (or slurm.pl / queue.pl)."""
    p.add_argument("--job", type=int, default=1, help="this task's number, 1..--num-jobs (run.pl's JOB)")
    p.add_argument("--num-jobs", type=int, default=1)


def job_share(items: Sequence[T], args: argparse.Namespace) -> List[T]:
    """Every num_jobs-th item from the job-th: the tasks of one JOB=1:N array split `items` between them."""
    if not 1 <= args.job <= args.num_jobs:
        raise InputError(f"--job {args.job}: must be in 1..--num-jobs ({args.num_jobs})")
    return list(items[args.job - 1 :: args.num_jobs])
