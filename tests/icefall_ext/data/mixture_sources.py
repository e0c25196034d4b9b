"""Single-talker source cuts of white noise, a few per speaker, for the mixture and SURT batch tests."""
import numpy as np
import soundfile as sf
from lhotse import CutSet, Recording, SupervisionSegment

SR = 8000


def make_cuts(tmp_path, split, speakers, per_speaker=3, seed=0):
    rng = np.random.default_rng(seed)
    cuts = []
    for spk in speakers:
        for k in range(per_speaker):
            duration = float(rng.uniform(0.8, 2.0))
            path = tmp_path / f"{split}-{spk}-{k}.wav"
            sf.write(path, rng.normal(0, 0.1, int(duration * SR)).astype(np.float32), SR)
            rec = Recording.from_file(path, recording_id=f"{spk}-{k}")
            sup = SupervisionSegment(id=rec.id, recording_id=rec.id, start=0.0, duration=rec.duration,
                                     speaker=spk, text=f"WORDS OF {spk.upper()} {k}")
            cuts.append(rec.to_cut().with_id(rec.id))
            cuts[-1].supervisions = [sup]
    return CutSet.from_cuts(cuts)
