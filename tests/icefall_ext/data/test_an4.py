"""CMU AN4 preparation on a tiny corpus in AN4's exact layout: ESPnet's ids and split, SPHERE and FLAC
audio alike, and every kind of bad input reported with the file it is in."""
import soundfile as sf
import pytest

from icefall_ext.data.an4 import espnet_utterance_id, parse_transcription, prepare_an4
from recipe_common.errors import InputError
from tests.recipes.an4_layout import build_tiny_an4  # the layout the recipe test uses too


@pytest.fixture(scope="module")
def tiny_an4(tmp_path_factory, fsdd_subset):
    return build_tiny_an4(tmp_path_factory.mktemp("an4"), fsdd_subset, per_speaker=4)


def test_espnet_ids_and_split(tiny_an4, tmp_path):
    parts = prepare_an4(tiny_an4, tmp_path, num_dev=5)
    ids = {part: [s.id for s in m["supervisions"]] for part, m in parts.items()}
    assert len(ids["dev"]) == 5 and len(ids["train"]) == 12 - 5 and len(ids["test"]) == 4
    train_all = sorted(ids["dev"] + ids["train"])
    assert ids["dev"] == train_all[:5]  # ESPnet's subset_data_dir.sh --first 100 over C-sorted ids
    assert "fgeo-an100-b" in ids["dev"]  # an100-fgeo-b -> <spk>-<prefix>-<suffix>
    sup = next(iter(parts["test"]["supervisions"]))
    assert sup.speaker == "mywe" and sup.text.split()[0] in {"ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"}
    rec = next(iter(parts["test"]["recordings"]))
    assert rec.sources[0].source.endswith(".flac") and (tmp_path / "flac").is_dir()  # SPHERE stored once as FLAC
    sph = tiny_an4 / "wav" / "an4test_clstk" / "mywe" / "an100-mywe-b.sph"
    assert (rec.load_audio()[0] * 32768).round().astype(int).tolist() == sf.read(sph, dtype="int16")[0].tolist()


def test_flac_copies_are_read_in_place(tmp_path, fsdd_subset):
    an4 = build_tiny_an4(tmp_path / "c", fsdd_subset, per_speaker=2, audio_format="FLAC")
    parts = prepare_an4(an4, tmp_path / "out", num_dev=2)
    assert all(r.sources[0].source.startswith(str(an4)) for r in parts["train"]["recordings"])
    assert not (tmp_path / "out" / "flac").exists()


def test_transcription_lines():
    assert espnet_utterance_id("cen1-fash-b", "x") == ("fash-cen1-b", "fash")
    with pytest.raises(InputError, match="x: utterance id 'an1-b' is not"):
        espnet_utterance_id("an1-b", "x")


def test_bad_transcription_line_is_named(tmp_path):
    path = tmp_path / "an4_train.transcription"
    path.write_text("<s> YES </s> (an1-fash-b)\nNO BRACKETS HERE\n")
    with pytest.raises(InputError, match="an4_train.transcription:2: expected 'WORDS \\(utterance-id\\)'"):
        parse_transcription(path)


def _copy(src, dst):
    import shutil

    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize(
    "damage, message",
    [
        ("audio_absent", r"an4_clstk/mjac/an101-mjac-b.sph: listed in .*an4_train.transcription but absent"),
        ("no_transcript", r"an4_clstk: audio 'an999-mjac-b' has no line in .*an4_train.transcription"),
        ("bad_header", r"an100-fgeo-b.sph: unreadable SPHERE file"),
        ("not_an4", r": not an AN4 folder"),
    ],
)
def test_bad_input_names_the_file(tiny_an4, tmp_path, damage, message):
    an4 = _copy(tiny_an4, tmp_path / "an4")
    if damage == "audio_absent":
        (an4 / "wav" / "an4_clstk" / "mjac" / "an101-mjac-b.sph").unlink()
    elif damage == "no_transcript":
        (an4 / "wav" / "an4_clstk" / "mjac" / "an999-mjac-b.sph").write_bytes(
            (an4 / "wav" / "an4_clstk" / "mjac" / "an101-mjac-b.sph").read_bytes())
    elif damage == "bad_header":
        (an4 / "wav" / "an4_clstk" / "fgeo" / "an100-fgeo-b.sph").write_bytes(b"NIST_1A\n   1024\ngarbage\n")
    elif damage == "not_an4":
        import shutil

        shutil.rmtree(an4 / "etc")
    with pytest.raises(InputError, match=message):
        prepare_an4(an4, tmp_path / "out", num_dev=2)
    assert not list((tmp_path / "out").glob("*.jsonl.gz"))


def test_every_problem_is_reported_then_the_first_raised(tiny_an4, tmp_path, caplog):
    an4 = _copy(tiny_an4, tmp_path / "an4")
    for utt in ("fgeo/an100-fgeo-b", "mluc/an102-mluc-b"):
        (an4 / "wav" / "an4_clstk" / f"{utt}.sph").unlink()
    with pytest.raises(InputError, match=r"\(and 1 more problems, logged\)"):
        prepare_an4(an4, tmp_path / "out", num_dev=2)
    assert sum("absent" in r.message for r in caplog.records) == 2


def test_download_unpacks_cmus_release_once(tiny_an4, tmp_path):
    """CMU's an4_sphere.tar.gz holds an4/{etc,wav}; a file:// URL stands in for the web."""
    import tarfile

    from icefall_ext.data.an4 import download_an4

    archive = tmp_path / "an4_sphere.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(tiny_an4, arcname="an4")
    out = download_an4(tmp_path / "download", url=archive.as_uri())
    assert out == tmp_path / "download" / "an4" and (out / "etc" / "an4_test.fileids").is_file()
    archive.unlink()  # present: nothing is fetched again
    assert download_an4(tmp_path / "download", url=archive.as_uri()) == out
