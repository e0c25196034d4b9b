"""A measured latency lookup table cached as JSON, shared by the recipes that predict a network's
latency from its parts: entries in milliseconds under string keys, valid only under the `meta`
(machine, library versions, threads, shapes) they were measured with, so that a cache measured under
another setting is measured again rather than trusted. Written atomically, so a killed stage leaves
the last complete table."""
import json
import logging
import platform
import statistics
import time
from pathlib import Path
from typing import Callable, Dict, Mapping, Optional

import torch

from recipe_common.errors import InputError
from recipe_common.io import write_text_atomic
from recipe_common.logging import Progress


def median_ms(fn: Callable[[], object], warmup: int, repeats: int) -> float:
    """Median milliseconds of `fn()` over `repeats` runs after `warmup` untimed ones."""
    with torch.inference_mode():
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def interleaved_ms(fns: Mapping[str, Callable[[], object]], rounds: int, runs: int = 1) -> Dict[str, float]:
    """Median milliseconds per callable over `rounds` passes through all of them (`runs` each, after
    one untimed call each), so that a slow spell of the machine hits every model alike."""
    times: Dict[str, list] = {name: [] for name in fns}
    with torch.inference_mode():
        for fn in fns.values():
            fn()
        for _ in range(rounds):
            for name, fn in fns.items():
                for _ in range(runs):
                    start = time.perf_counter()
                    fn()
                    times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(t) for name, t in times.items()}


def machine_meta(**settings: object) -> Dict[str, str]:
    """What a measurement depends on: this machine, torch's version, and the caller's `settings`."""
    return {"torch": torch.__version__, "machine": platform.machine(), "processor": platform.processor(),
            **{k: str(v) for k, v in settings.items()}}


class LatencyTable:
    """Entries in milliseconds, valid under one `meta`."""

    def __init__(self, meta: Dict[str, str], entries: Optional[Dict[str, float]] = None):
        self.meta, self.entries = meta, dict(entries or {})

    @classmethod
    def load(cls, path: Path, meta: Dict[str, str]):
        """The cached table if it was measured under `meta`; otherwise an empty one (logged)."""
        if not Path(path).is_file():
            return cls(meta)
        try:
            data = json.loads(Path(path).read_text())
        except json.JSONDecodeError as e:
            raise InputError(f"{path}: not a latency table ({e})")
        if data.get("meta") != meta:
            logging.info(f"{path}: measured under {data.get('meta')}, not {meta}: measuring again")
            return cls(meta)
        return cls(meta, data.get("entries", {}))

    def save(self, path: Path) -> None:
        write_text_atomic(path, json.dumps({"meta": self.meta, "entries": self.entries}, indent=1, sort_keys=True))

    def get(self, key: str) -> float:
        if key not in self.entries:
            raise InputError(f"latency table has no entry '{key}' (build it for this model and candidate set)")
        return self.entries[key]

    def measure_missing(self, jobs: Mapping[str, Callable[[], float]], path: Optional[Path] = None,
                        save_every: int = 50) -> int:
        """Runs the jobs whose key is not yet in the table (saving every `save_every`); returns how many."""
        todo = [(key, job) for key, job in jobs.items() if key not in self.entries]
        progress = Progress(len(todo))
        for i, (key, job) in enumerate(todo, 1):
            self.entries[key] = job()
            if path is not None and (i % save_every == 0 or i == len(todo)):
                self.save(path)
                logging.info(f"latency table: {i}/{len(todo)} new entries | {progress.eta_str(i)}")
        return len(todo)
