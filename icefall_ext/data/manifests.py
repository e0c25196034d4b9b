"""Writing a corpus's per-part lhotse manifests and the cut sets the recipes read."""
import logging
from pathlib import Path
from typing import Dict, Union

from lhotse import CutSet, RecordingSet, SupervisionSet

from recipe_common.io import atomic_path

Manifests = Dict[str, Dict[str, Union[RecordingSet, SupervisionSet]]]


def write_part_manifests(manifests: Manifests, out_dir: Union[str, Path], prefix: str) -> None:
    """<prefix>_{recordings,supervisions,cuts}_<part>.jsonl.gz for every part, each written atomically."""
    out_dir = Path(out_dir)
    for part, m in manifests.items():
        cuts = CutSet.from_manifests(recordings=m["recordings"], supervisions=m["supervisions"])
        for kind, manifest in (("recordings", m["recordings"]), ("supervisions", m["supervisions"]), ("cuts", cuts)):
            with atomic_path(out_dir / f"{prefix}_{kind}_{part}.jsonl.gz") as tmp:
                manifest.to_file(tmp)
        hours = sum(c.duration for c in cuts) / 3600
        speakers = len({s.speaker for s in m["supervisions"]})
        logging.info(f"{prefix} {part}: {len(cuts)} utterances, {speakers} speakers, {hours:.2f} h")
