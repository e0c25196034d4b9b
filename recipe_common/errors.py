"""One exception type for bad input, so that entry points can print it as one line."""
import logging
from typing import List


class InputError(Exception):
    """Bad user input: a missing file, an unreadable wav, an unknown key or token; or what the user
    must fix on the machine before running again (a full disk).

    The message names the file or key and the problem; `bin/` entry points print it as
    a single line and exit non-zero.
    """


def raise_first_problem(problems: List[str]) -> None:
    """The end of a batch check: with several problems each is logged, and the first is raised as one
    line with the count; with one it is just raised; with none nothing happens."""
    if len(problems) > 1:
        for problem in problems:
            logging.error(problem)
        raise InputError(f"{problems[0]} (and {len(problems) - 1} more problems, logged)")
    if problems:
        raise InputError(problems[0])
