"""One exception type for bad input, so that entry points can print it as one line."""


class InputError(Exception):
    """Bad user input: a missing file, an unreadable wav, an unknown key or token.

    The message names the file or key and the problem; `bin/` entry points print it as
    a single line and exit non-zero.
    """
