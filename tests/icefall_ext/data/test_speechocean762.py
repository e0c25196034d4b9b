"""icefall_ext.data.speechocean762 on a tiny corpus in the upstream layout: the parts, the dev split by
speaker, the ages carried, and one-line errors for bad Kaldi dirs."""
import logging
import os
import shutil
import tarfile

import pytest
import soundfile as sf

from icefall_ext.data.speechocean762 import download_speechocean762, prepare_speechocean762
from recipe_common.errors import InputError
from recipes.speechocean762_layout import build_tiny_speechocean762  # tests/ is on sys.path (tests/conftest.py)

# ids 0001-0004: children aged 6, 7, 8, 9; 0005-0008: adults aged 15, 19, 20, 21; test: 0009 (6), 0010 (15)
SPLITS = {"train": (4, 4), "test": (1, 1)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, fsdd_subset):
    root = tmp_path_factory.mktemp("so762") / "speechocean762"
    build_tiny_speechocean762(root, fsdd_subset, SPLITS, utts_per_speaker=2)
    return root


@pytest.fixture
def copy(corpus, tmp_path):
    """A private copy of the corpus to break."""
    return shutil.copytree(corpus, tmp_path / "speechocean762")


def speakers(m, part):
    return {s.speaker for s in m[part]["supervisions"]}


def test_parts_sizes_and_what_supervisions_carry(corpus):
    m = prepare_speechocean762(corpus, num_dev_speakers=4)
    assert set(m) == {"train", "dev", "test"}
    assert {p: (len(m[p]["recordings"]), len(m[p]["supervisions"])) for p in m} == {"train": (8, 8), "dev": (8, 8), "test": (4, 4)}
    assert not speakers(m, "train") & speakers(m, "dev")
    assert speakers(m, "train") | speakers(m, "dev") == {f"{i:04d}" for i in range(1, 9)}
    assert speakers(m, "test") == {"0009", "0010"}
    ages = dict(line.split() for line in (corpus / "train" / "spk2age").read_text().splitlines())
    genders = dict(line.split() for line in (corpus / "train" / "spk2gender").read_text().splitlines())
    texts = dict(line.split(maxsplit=1) for line in (corpus / "train" / "text").read_text().splitlines())
    for part in ("train", "dev"):
        for sup in m[part]["supervisions"]:
            assert sup.custom == {"age": int(ages[sup.speaker])}
            assert sup.gender == genders[sup.speaker] and sup.text == texts[sup.id] and sup.language == "English"
            rec = m[part]["recordings"][sup.recording_id]
            source = rec.sources[0].source
            assert os.path.isabs(source) and rec.num_samples == sf.info(source).frames and sup.duration == rec.duration
    assert m["test"]["supervisions"]["000090011"].custom == {"age": 6}


def test_dev_is_balanced_and_spread_over_ages(corpus):
    # children sorted by age 6, 7, 8, 9: positions floor((i + 1/2) * 4 / 2) = 1, 3 -> ages 7, 9; adults: 19, 21
    assert speakers(prepare_speechocean762(corpus, num_dev_speakers=4), "dev") == {"0002", "0004", "0006", "0008"}
    # an odd count: the extra speaker is a child
    dev = prepare_speechocean762(corpus, num_dev_speakers=3)["dev"]["supervisions"]
    assert sorted(s.custom["age"] <= 14 for s in {s.speaker: s for s in dev}.values()) == [False, True, True]


def test_relative_paths_any_line_order_and_no_chdir(copy, monkeypatch):
    for name in ("text", "wav.scp", "utt2spk", "spk2utt", "spk2age", "spk2gender"):
        path = copy / "train" / name
        path.write_text("\n".join(reversed(path.read_text().splitlines())) + "\n")
    monkeypatch.chdir(copy.parent)
    m = prepare_speechocean762("speechocean762", num_dev_speakers=4)
    assert os.getcwd() == str(copy.parent)
    assert speakers(m, "dev") == {"0002", "0004", "0006", "0008"}
    assert all(os.path.isfile(r.sources[0].source) for r in m["train"]["recordings"])


def test_too_many_dev_speakers(corpus):
    with pytest.raises(InputError, match=r"train/spk2age: 4 children \(age <= 14\), too few to hold out 4"):
        prepare_speechocean762(corpus, num_dev_speakers=8)


def add_text_line(c):
    with open(c / "train" / "text", "a") as f:
        f.write("000999999 ONE TWO\n")


def remove_wav_scp(c):
    (c / "train" / "wav.scp").unlink()


def remove_audio(c):
    (c / "WAVE" / "SPEAKER0001" / "000010011.WAV").unlink()


def garble_audio(c):
    (c / "WAVE" / "SPEAKER0001" / "000010011.WAV").write_bytes(b"not audio at all" * 10)


def move_in_spk2utt(c):
    path = c / "train" / "spk2utt"
    lines = path.read_text().splitlines()
    lines[0] = "0001 000010018"
    lines[1] += " 000010011"
    path.write_text("\n".join(lines) + "\n")


def duplicate_utt2spk(c):
    path = c / "train" / "utt2spk"
    path.write_text(path.read_text() + "000010011 0001\n")


def drop_spk2age(c):
    (c / "test" / "spk2age").unlink()


def bad_age(c):
    path = c / "test" / "spk2age"
    path.write_text(path.read_text().replace("0009 6", "0009 six"))


BAD = {
    "text without wav.scp": (add_text_line, r"train/text:17: utterance '000999999' has no entry in \S+/train/wav.scp \(and 1 more problems, logged\)$"),
    "absent wav.scp": (remove_wav_scp, r"train/wav.scp: does not exist$"),
    "absent audio": (remove_audio, r"train/wav.scp:1: audio of '000010011' does not exist: \S+/WAVE/SPEAKER0001/000010011.WAV$"),
    "unreadable audio": (garble_audio, r"train/wav.scp:1: audio of '000010011' is unreadable: \S+/000010011.WAV \("),
    "spk2utt disagrees": (move_in_spk2utt, r"train/spk2utt:2: speaker '0002' lists utterance '000010011', which \S+/train/utt2spk gives to '0001'$"),
    "duplicate key": (duplicate_utt2spk, r"train/utt2spk:17: duplicate key '000010011' \(first on line 1\)$"),
    "missing spk2age": (drop_spk2age, r"test/spk2age: does not exist$"),
    "age not a number": (bad_age, r"test/spk2age:1: age of speaker '0009' is 'six', not a whole number$"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_line_naming_the_file(copy, case, caplog):
    breaker, pattern = BAD[case]
    breaker(copy)
    with caplog.at_level(logging.ERROR), pytest.raises(InputError, match=pattern) as e:
        prepare_speechocean762(copy, num_dev_speakers=4)
    assert "\n" not in str(e.value) and str(copy) in str(e.value)
    if " (and " in str(e.value):  # several problems: every one is logged
        assert str(e.value).split(" (and ")[0] in caplog.text


def test_not_a_corpus_folder(tmp_path):
    with pytest.raises(InputError, match="not a speechocean762 folder"):
        prepare_speechocean762(tmp_path / "nowhere")


def test_download_unpacks_the_release_once(corpus, tmp_path):
    archive = tmp_path / "speechocean762.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(corpus, arcname="speechocean762")
    out = download_speechocean762(tmp_path / "download", url=archive.as_uri())
    assert out == tmp_path / "download" / "speechocean762" and (out / "test" / "spk2age").is_file()
    assert len(prepare_speechocean762(out, num_dev_speakers=2)["test"]["supervisions"]) == 4
    archive.unlink()  # present now: no second fetch
    assert download_speechocean762(tmp_path / "download", url=archive.as_uri()) == out
