"""A tiny corpus in CMU AN4's exact on-disk layout, spoken by the embedded FSDD digits:
etc/an4_{train,test}.{transcription,fileids} and wav/an4_clstk/<spk>/<utt>.sph (an4test_clstk/ for test)."""
import random
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import soundfile as sf
from lhotse import Recording

WORDS = ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"]
TRAIN_SPEAKERS = {"fgeo": "george", "mjac": "jackson", "mluc": "lucas"}
TEST_SPEAKERS = {"mywe": "yweweler"}
# etc/an4.dic's entries for the digits (CMU's pronunciations), its fillers and phone list, for the hybrid recipe
LEXICON = {"ZERO": "Z IY R OW", "ONE": "W AH N", "TWO": "T UW", "THREE": "TH R IY", "FOUR": "F AO R", "FIVE": "F AY V",
           "SIX": "S IH K S", "SEVEN": "S EH V AH N", "EIGHT": "EY T", "NINE": "N AY N"}
FILLERS = "<s>             SIL\n</s>            SIL\n<sil>           SIL\n"
PHONES = "AA AE AH AO AW AY B CH D EH ER EY F G HH IH IY JH K L M N OW P R S SIL T TH UW V W Y Z".split()


def _say(fsdd: Path, speaker: str, digits: List[int], rng: random.Random, cache: Dict) -> np.ndarray:
    pieces = []
    for d in digits:
        key = f"{d}_{speaker}_{rng.randrange(25)}"
        if key not in cache:
            cache[key] = Recording.from_file(fsdd / f"{key}.flac").resample(16000).load_audio()[0]
        pieces += [cache[key], np.zeros(1600, dtype=np.float32)]
    return np.concatenate(pieces)


def build_tiny_an4(root: Path, fsdd: Path, per_speaker: int = 8, audio_format: str = "NIST",
                   test_speakers: Optional[Dict[str, str]] = None) -> Path:
    """Writes root/an4 and returns it; audio_format "NIST" (CMU's .sph) or "FLAC"; test_speakers:
    {AN4 speaker: FSDD speaker} of the test set (default TEST_SPEAKERS; two-talker mixtures need two)."""
    an4 = root / "an4"
    (an4 / "etc").mkdir(parents=True)
    rng, cache = random.Random(0), {}
    suffix = ".sph" if audio_format == "NIST" else ".flac"
    for split, folder, speakers in (("train", "an4_clstk", TRAIN_SPEAKERS), ("test", "an4test_clstk", test_speakers or TEST_SPEAKERS)):
        transcription, fileids = [], []
        for spk, fsdd_speaker in speakers.items():
            (an4 / "wav" / folder / spk).mkdir(parents=True)
            for n in range(per_speaker):
                utt = f"an{100 + n}-{spk}-b"
                digits = [rng.randrange(10) for _ in range(rng.randint(2, 4))]
                audio = (_say(fsdd, fsdd_speaker, digits, rng, cache) * 32767 * 0.5).astype(np.int16)
                sf.write(an4 / "wav" / folder / spk / f"{utt}{suffix}", audio, 16000, format=audio_format, subtype="PCM_16")
                words = " ".join(WORDS[d] for d in digits)
                transcription.append(f"<s> {words} </s> ({utt})" if split == "train" else f"{words} ({utt})")
                fileids.append(f"{folder}/{spk}/{utt}")
        (an4 / "etc" / f"an4_{split}.transcription").write_text("\n".join(transcription) + "\n")
        (an4 / "etc" / f"an4_{split}.fileids").write_text("\n".join(fileids) + "\n")
    (an4 / "etc" / "an4.dic").write_text("".join(f"{w:<20} {p}\n" for w, p in sorted(LEXICON.items())))
    (an4 / "etc" / "an4.filler").write_text(FILLERS)
    (an4 / "etc" / "an4.phone").write_text("\n".join(PHONES) + "\n")
    return an4
