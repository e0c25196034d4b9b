"""Long recordings made of a test set's utterances joined end to end, for measuring what a user
meets with a 30 s file: a model trained on 2-7 s utterances loses words on it unless the file is
cut at pauses first (icefall_ext.decoding.segmentation). Each file keeps its utterances' own
leading and trailing silence, so the pauses between them are the corpus's, not made up."""
import random
from pathlib import Path
from typing import List, Tuple

import numpy as np
import soundfile as sf
from lhotse import CutSet

from recipe_common.errors import InputError
from recipe_common.io import atomic_path, write_text_atomic

SAMPLE_RATE = 16000
# The test-set names of the long files in a recipe's results: cut at pauses before decoding, as
# `transcribe` does, and decoded whole.
LONG_SET = "test_long"
LONG_SET_WHOLE = "test_long_unsegmented"


def group_into_long_files(cuts: CutSet, min_duration: float, max_duration: float, seed: int) -> List[List[str]]:
    """Cut ids in groups of one speaker's cuts (in a shuffled order) whose total duration reaches
    a length drawn uniformly in [min_duration, max_duration], as one person's long recording; a
    speaker's last group that falls short is dropped. Deterministic by seed."""
    if not 0 < min_duration <= max_duration:
        raise InputError(f"long files need 0 < min_duration <= max_duration, not {min_duration} and {max_duration}")
    rng = random.Random(seed)
    by_speaker = {}
    for c in cuts:
        by_speaker.setdefault(c.supervisions[0].speaker if c.supervisions else None, []).append((c.id, c.duration))
    groups = []
    for speaker in sorted(by_speaker, key=str):
        items = sorted(by_speaker[speaker])
        rng.shuffle(items)
        current, total, target = [], 0.0, rng.uniform(min_duration, max_duration)
        for cut_id, duration in items:
            current.append(cut_id)
            total += duration
            if total >= target:
                groups.append(current)
                current, total, target = [], 0.0, rng.uniform(min_duration, max_duration)
    return groups


def write_long_files(cuts: CutSet, groups: List[List[str]], out_dir: Path) -> List[Tuple[str, float]]:
    """Writes out_dir/wav/<id>.wav per group and the Kaldi files wav.scp and text (reference
    words of the joined utterances in order); returns (file id, seconds) per file."""
    by_id = {c.id: c for c in cuts}
    (out_dir / "wav").mkdir(parents=True, exist_ok=True)
    scp, text, written = [], [], []
    for n, group in enumerate(groups):
        file_id = f"long-{n:03d}"
        parts = []
        for cut_id in group:
            cut = by_id[cut_id]
            if cut.sampling_rate != SAMPLE_RATE:
                cut = cut.resample(SAMPLE_RATE)
            parts.append(cut.load_audio()[0])
        samples = np.concatenate(parts).astype(np.float32)
        path = out_dir / "wav" / f"{file_id}.wav"
        with atomic_path(path) as tmp:
            sf.write(str(tmp), samples, SAMPLE_RATE, subtype="PCM_16", format="WAV")
        words = " ".join(s.text for cut_id in group for s in by_id[cut_id].supervisions if s.text)
        scp.append(f"{file_id} {path.resolve()}")
        text.append(f"{file_id} {words}".rstrip())
        written.append((file_id, len(samples) / SAMPLE_RATE))
    write_text_atomic(out_dir / "wav.scp", "\n".join(scp) + "\n")
    write_text_atomic(out_dir / "text", "\n".join(text) + "\n")
    return written
