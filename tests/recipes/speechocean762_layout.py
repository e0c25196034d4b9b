"""A tiny corpus in speechocean762's exact on-disk layout, built from the embedded spoken digits:

    <root>/{train,test}/{text,wav.scp,utt2spk,spk2utt,spk2age,spk2gender}
    <root>/WAVE/SPEAKERxxxx/<utt>.WAV      16 kHz 16-bit WAV, named in wav.scp relative to <root>

Speaker ids are 4 digits and utterance ids upstream's 9 (`000010011`: speaker 0001, utterance 0011);
each utterance is a few FSDD digits (resampled to 16 kHz) with their words as its transcript.
Used by tests/icefall_ext/data/test_speechocean762.py and tests/recipes/test_speechocean762_asr.py."""
import random
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import soundfile as sf
from lhotse import Recording

WORDS = ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"]
VOICES = ["george", "jackson", "lucas", "nicolas", "yweweler"]
CHILD_AGES = [6, 7, 8, 9, 10, 11, 12, 13, 14]
ADULT_AGES = [15, 19, 20, 21, 24, 27, 30, 33, 37]


def speakers_of(children: int, adults: int, first_id: int) -> List[Tuple[str, int, str]]:
    """(speaker id, age, gender) of `children` children then `adults` adults, ids from `first_id`."""
    ages = [CHILD_AGES[i % len(CHILD_AGES)] for i in range(children)] + [ADULT_AGES[i % len(ADULT_AGES)] for i in range(adults)]
    return [(f"{first_id + i:04d}", age, "fm"[i % 2]) for i, age in enumerate(ages)]


def build_tiny_speechocean762(
    root: Path, fsdd: Path, split_speakers: Dict[str, Tuple[int, int]], utts_per_speaker: int = 2,
    digits_per_utterance: int = 5, seed: int = 0,
) -> Dict[str, List[Tuple[str, int, str]]]:
    """Writes the corpus; `split_speakers` is {"train": (children, adults), "test": (...)}. Each
    speaker's first ten digits are 0-9 in a shuffled order, so that any one speaker's utterances
    (at the defaults) spell every digit word: a training set of a few speakers still has every letter.
    Returns {split: [(speaker, age, gender), ...]}."""
    rng = random.Random(seed)
    audio: Dict[str, np.ndarray] = {}
    built = {}
    first_id = 1
    for split, (children, adults) in split_speakers.items():
        speakers = speakers_of(children, adults, first_id)
        first_id += len(speakers)
        text, wav_scp, utt2spk, spk2utt = [], [], [], []
        for spk, _, _ in speakers:
            voice = VOICES[int(spk) % len(VOICES)]
            sequence = rng.sample(range(10), 10)
            sequence += [rng.randrange(10) for _ in range(utts_per_speaker * digits_per_utterance - 10)]
            utts = []
            for u in range(utts_per_speaker):
                utt = f"{int(spk):05d}{11 + 7 * u:04d}"
                digits = sequence[u * digits_per_utterance:(u + 1) * digits_per_utterance]
                pieces = [np.zeros(1600, dtype=np.float32)]
                for d in digits:
                    key = f"{d}_{voice}_{rng.randrange(25)}"
                    if key not in audio:
                        audio[key] = Recording.from_file(fsdd / f"{key}.flac").resample(16000).load_audio()[0]
                    pieces += [audio[key], np.zeros(1600, dtype=np.float32)]
                rel = f"WAVE/SPEAKER{spk}/{utt}.WAV"
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                sf.write(str(root / rel), np.concatenate(pieces), 16000, format="WAV", subtype="PCM_16")
                text.append(f"{utt} {' '.join(WORDS[d] for d in digits)}")
                wav_scp.append(f"{utt} {rel}")
                utt2spk.append(f"{utt} {spk}")
                utts.append(utt)
            spk2utt.append(f"{spk} {' '.join(utts)}")
        d = root / split
        d.mkdir(parents=True)
        for name, lines in (("text", text), ("wav.scp", wav_scp), ("utt2spk", utt2spk), ("spk2utt", spk2utt),
                            ("spk2age", [f"{s} {a}" for s, a, _ in speakers]),
                            ("spk2gender", [f"{s} {g}" for s, _, g in speakers])):
            (d / name).write_text("\n".join(lines) + "\n")
        built[split] = speakers
    return built
