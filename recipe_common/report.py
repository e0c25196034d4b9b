"""Markdown pieces of the RESULTS.md files that recipes write from measured files."""
import csv
from pathlib import Path
from typing import Dict, List, Sequence


def markdown_table(rows: Dict[str, Dict[str, float]], columns: Sequence[str], fmt: str = ".2f",
                   corner: str = "") -> List[str]:
    """rows: row name -> {column: value}; a missing value prints as '–'."""
    lines = ["| " + " | ".join([corner, *columns]) + " |", "|" + "---|" * (len(columns) + 1)]
    for name, values in rows.items():
        cells = [format(values[c], fmt) if c in values else "–" for c in columns]
        lines.append("| " + " | ".join([name, *cells]) + " |")
    return lines


def read_history(path: Path) -> List[Dict[str, str]]:
    """The rows of a training's log/history.tsv ([] before it exists)."""
    if not path.is_file():
        return []
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def stage_times_table(path: Path) -> List[str]:
    """A markdown section of the wall time of each stage, from the '<stage>\t<seconds>' lines a
    run.sh appends (the longest recorded run of each stage); [] when none were recorded."""
    times: Dict[str, float] = {}
    if path.is_file():
        for line in path.read_text().split("\n"):
            if "\t" in line:
                stage, seconds = line.split("\t")
                times[f"stage {stage}"] = max(times.get(f"stage {stage}", 0.0), float(seconds))
    if not times:
        return []
    times = dict(sorted(times.items()))
    return ["", "## Wall time per stage (s; the longest recorded run of each)", "",
            "| " + " | ".join(times) + " | total |", "|" + "---|" * (len(times) + 1),
            "| " + " | ".join(f"{t:.0f}" for t in times.values()) + f" | {sum(times.values()):.0f} |"]
