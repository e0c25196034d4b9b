"""egs/librispeech/ASR on a tiny corpus in LibriSpeech's exact on-disk layout
(<part>/<speaker>/<chapter>/<speaker>-<chapter>-<utt>.flac + <speaker>-<chapter>.trans.txt),
built from the embedded spoken digits, through every stage at the tiny config."""
import random

import numpy as np
import pytest
import soundfile as sf
from lhotse import Recording

from .helpers import assert_ok, run_recipe

pytestmark = pytest.mark.recipe
WORDS = ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"]
PARTS = {"train-clean-100": 24, "dev-clean": 4, "test-clean": 4, "test-other": 4}
SPEAKERS = {"george": 103, "jackson": 1034, "lucas": 19, "yweweler": 2277}


def build_tiny_librispeech(root, fsdd):
    rng = random.Random(0)
    audio = {}
    for speaker, spk_id in SPEAKERS.items():
        for part, count in PARTS.items():
            chapter = 1000 + len(part)
            chapter_dir = root / part / str(spk_id) / str(chapter)
            chapter_dir.mkdir(parents=True)
            lines = []
            for utt in range(count // 2):
                digits = [rng.randrange(10) for _ in range(3)]
                pieces = []
                for d in digits:
                    key = f"{d}_{speaker}_{rng.randrange(25)}"
                    if key not in audio:
                        audio[key] = Recording.from_file(fsdd / f"{key}.flac").resample(16000).load_audio()[0]
                    pieces += [audio[key], np.zeros(1600, dtype=np.float32)]
                utt_id = f"{spk_id}-{chapter}-{utt:04d}"
                sf.write(str(chapter_dir / f"{utt_id}.flac"), np.concatenate(pieces), 16000)
                lines.append(f"{utt_id} {' '.join(WORDS[d] for d in digits)}")
            (chapter_dir / f"{spk_id}-{chapter}.trans.txt").write_text("\n".join(lines) + "\n")


def test_every_stage_on_a_tiny_librispeech_layout(tmp_path, fsdd_subset):
    corpus = tmp_path / "LibriSpeech"
    build_tiny_librispeech(corpus, fsdd_subset)
    proc = run_recipe("egs/librispeech/ASR", [
        "--corpus-dir", str(corpus), "--train-parts", "train-clean-100", "--nj", "2",
        "--data-dir", str(tmp_path / "data"), "--exp-dir", str(tmp_path / "exp"), "--results", str(tmp_path / "RESULTS.md"),
    ])
    assert_ok(proc)
    results = (tmp_path / "RESULTS.md").read_text()
    assert "test-clean (PyTorch)" in results and "test-other (sherpa-onnx)" in results
    assert "–" not in results.split("## WER")[1].split("PyTorch model")[0]  # every cell measured
    assert (tmp_path / "exp" / "onnx" / "encoder.onnx").is_file()
    assert (tmp_path / "data" / "manifests" / "librispeech_supervisions_test-other.jsonl.gz").is_file()


def test_missing_part_is_a_clear_error(tmp_path):
    (tmp_path / "LibriSpeech" / "dev-clean").mkdir(parents=True)
    proc = run_recipe("egs/librispeech/ASR", ["--corpus-dir", str(tmp_path / "LibriSpeech"),
                                               "--data-dir", str(tmp_path / "data"), "--stop-stage", "1"])
    assert proc.returncode != 0
    assert "train-clean-100: LibriSpeech part missing" in proc.stderr
