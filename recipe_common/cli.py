"""Entry-point wrapper: bad input becomes one line on stderr and exit status 1."""
import sys
from pathlib import Path
from typing import Callable, List, Tuple

from recipe_common.errors import InputError


def run_main(main: Callable[[], None]) -> None:
    try:
        main()
    except InputError as e:
        prog = sys.argv[0].rsplit("/", 1)[-1]
        print(f"{prog}: error: {e}", file=sys.stderr)
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
