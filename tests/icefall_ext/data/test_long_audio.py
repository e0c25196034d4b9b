"""Long files made of a test set's utterances: one speaker per file, lengths within the bounds,
the references in order, and the audio the utterances' own samples end to end."""
import numpy as np
import pytest
import soundfile as sf
from lhotse import CutSet, Recording, SupervisionSegment

from icefall_ext.data.long_audio import group_into_long_files, write_long_files
from recipe_common.errors import InputError


def make_cuts(tmp_path, per_speaker=6, seconds=2.0):
    cuts = []
    rng = np.random.default_rng(0)
    for spk in ("anna", "bob"):
        for i in range(per_speaker):
            path = tmp_path / f"{spk}{i}.wav"
            sf.write(str(path), (0.1 * rng.standard_normal(int(seconds * 16000))).astype(np.float32), 16000, subtype="PCM_16")
            rec = Recording.from_file(path, recording_id=f"{spk}-{i}")
            sup = SupervisionSegment(f"{spk}-{i}", rec.id, 0, rec.duration, text=f"W{i} {spk.upper()}", speaker=spk)
            cut = rec.to_cut()
            cut.supervisions = [sup]
            cuts.append(cut)
    return CutSet.from_cuts(cuts)


def test_groups_keep_one_speaker_and_reach_their_length(tmp_path):
    cuts = make_cuts(tmp_path)
    speaker = {c.id: c.supervisions[0].speaker for c in cuts}
    groups = group_into_long_files(cuts, 5.0, 7.0, seed=3)
    assert groups == group_into_long_files(cuts, 5.0, 7.0, seed=3)  # deterministic
    assert {speaker[g[0]] for g in groups} == {"anna", "bob"}  # 12 s each: at least one file per speaker
    for g in groups:  # one speaker; at least min_duration, and less than max_duration plus one utterance
        assert len({speaker[i] for i in g}) == 1 and 5.0 <= 2.0 * len(g) < 7.0 + 2.0
    assert len({i for g in groups for i in g}) == sum(map(len, groups))  # no utterance twice


def test_written_files_join_the_samples_and_references_in_order(tmp_path):
    cuts = make_cuts(tmp_path, per_speaker=3)
    groups = group_into_long_files(cuts, 5.0, 6.0, seed=0)
    written = write_long_files(cuts, groups, tmp_path / "long")
    by_id = {c.id: c for c in cuts}
    scp = dict(line.split(maxsplit=1) for line in (tmp_path / "long" / "wav.scp").read_text().splitlines())
    text = dict(line.split(maxsplit=1) for line in (tmp_path / "long" / "text").read_text().splitlines())
    for (file_id, seconds), group in zip(written, groups):
        samples, sr = sf.read(scp[file_id], dtype="float32")
        expected = np.concatenate([by_id[i].load_audio()[0] for i in group])
        assert sr == 16000 and seconds == pytest.approx(len(expected) / 16000)
        assert np.abs(samples - expected).max() < 1e-4  # 16-bit PCM of the same samples
        assert text[file_id] == " ".join(by_id[i].supervisions[0].text for i in group)


def test_bounds_out_of_order_are_one_line():
    with pytest.raises(InputError, match="0 < min_duration <= max_duration"):
        group_into_long_files(CutSet.from_cuts([]), 10.0, 5.0, seed=0)
