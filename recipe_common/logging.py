"""Logging to the console and to a file under exp/.../log/, and progress with ETA."""
import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Optional, Union


def setup_logger(log_prefix: Optional[Union[str, Path]] = None, rank: int = 0, level: int = logging.INFO) -> None:
    """Logs to stderr and, when given, to `{log_prefix}-{date}` (rank 0 only writes the file)."""
    fmt = "%(asctime)s %(levelname)s [%(filename)s:%(lineno)d] %(message)s"
    handlers = [logging.StreamHandler()]
    if log_prefix is not None and rank == 0:
        path = Path(f"{log_prefix}-{datetime.now().strftime('%Y-%m-%d-%H-%M-%S')}")
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path))
    logging.basicConfig(level=level, format=fmt, handlers=handlers, force=True)


class Progress:
    """Fraction done -> elapsed time and ETA for periodic log lines."""

    def __init__(self, total: float):
        self.total = max(total, 1e-9)
        self.start = time.time()

    def eta_str(self, done: float) -> str:
        elapsed = time.time() - self.start
        frac = min(max(done / self.total, 1e-9), 1.0)
        eta = elapsed * (1 - frac) / frac
        return f"{100 * frac:.1f}% elapsed {elapsed / 60:.1f} min, ETA {eta / 60:.1f} min"
