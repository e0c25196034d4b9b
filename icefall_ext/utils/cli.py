"""Entry-point wrapper: bad input becomes one line on stderr and exit status 1."""
import sys
from typing import Callable

from icefall_ext.utils.errors import InputError


def run_main(main: Callable[[], None]) -> None:
    try:
        main()
    except InputError as e:
        prog = sys.argv[0].rsplit("/", 1)[-1]
        print(f"{prog}: error: {e}", file=sys.stderr)
        sys.exit(1)
