"""Word times on hand-made alignments: phone runs follow the reordered topology, words are matched
through the lexicon with optional silence skipped."""
import pytest

from icefall_ext.hybrid.hmm import TrainingGraphs, equal_alignment, monophone_model, phones_of_alignment
from icefall_ext.hybrid.lang import prepare_lang, read_lexicon, write_lang_dir
from icefall_ext.hybrid.word_times import WordTime, ctm_lines, word_times
from recipe_common.errors import InputError


@pytest.fixture
def toy(tmp_path):
    (tmp_path / "dic").write_text("A AH\nAB AH B\nB B IY\nBE B IY\n")
    lang = prepare_lang(read_lexicon(tmp_path / "dic"), ["SIL"])
    write_lang_dir(lang, tmp_path / "lang")
    model = monophone_model(tmp_path / "lang")
    prons = {}
    for w, pron in lang.lexicon:
        prons.setdefault(lang.word_ids[w], []).append([lang.phone_ids[p] for p in pron])
    return lang, tmp_path / "lang", model, prons


def _hand_made(model, phones_frames):
    """A reordered alignment by hand: per HMM state of each (phone, frames per state), the state's
    forward transition-id then its self-loop (what a reorder=True path takes), frames - 1 times."""
    tm = model.trans_model
    ali = []
    for phone, k in phones_frames:
        tids = [t for t in range(1, tm.num_transition_ids + 1) if tm.transition_id_to_phone(t) == phone]
        for pdf in sorted({int(model.tid_to_pdf[t]) for t in tids}):  # a monophone's pdfs in state order
            forward = next(t for t in tids if model.tid_to_pdf[t] == pdf and not tm.is_self_loop(t))
            loop = next(t for t in tids if model.tid_to_pdf[t] == pdf and tm.is_self_loop(t))
            ali += [forward] + [loop] * (k - 1)
    return ali


def test_runs_of_equal_alignments_stay_inside_one_phone(toy):
    lang, lang_dir, model, prons = toy
    graphs = TrainingGraphs(model, lang_dir)
    words = [lang.word_ids[w] for w in ["AB", "A", "BE"]]
    for seed in range(5):
        ali = equal_alignment(graphs.compile(words), 60, seed)
        runs = phones_of_alignment(model, ali)
        pos = 0
        for phone, n in runs:  # every frame of a run belongs to the run's phone
            assert {model.trans_model.transition_id_to_phone(t) for t in ali[pos:pos + n]} == {phone}
            pos += n
        spoken = [p for p, _ in runs if p != lang.phone_ids["SIL"]]
        assert spoken == [lang.phone_ids[p] for p in ["AH", "B", "AH", "B", "IY"]]
        times = word_times(model, ali, words, prons, {lang.phone_ids["SIL"]})
        assert [t.word_id for t in times] == words
        assert all(t.num_frames >= 3 for t in times)  # at least one frame per HMM state
        assert all(a.start_frame + a.num_frames <= b.start_frame for a, b in zip(times, times[1:]))


def test_hand_made_alignment(toy):
    lang, _, model, prons = toy
    p = lang.phone_ids
    # SIL (5 states x 1 frame) | A = AH (3 x 2) | B = B IY (3 x 2 each) | SIL (5 x 2)
    ali = _hand_made(model, [(p["SIL"], 1), (p["AH"], 2), (p["B"], 2), (p["IY"], 2), (p["SIL"], 2)])
    assert phones_of_alignment(model, ali) == [(p["SIL"], 5), (p["AH"], 6), (p["B"], 6), (p["IY"], 6), (p["SIL"], 10)]
    times = word_times(model, ali, [lang.word_ids["A"], lang.word_ids["B"]], prons, {p["SIL"]})
    assert times == [WordTime(lang.word_ids["A"], 5, 6), WordTime(lang.word_ids["B"], 11, 12)]
    # AB (AH B) then B (B IY) would need a second B: the phones do not spell it
    with pytest.raises(InputError, match="do not spell the decoded words"):
        word_times(model, ali, [lang.word_ids["AB"], lang.word_ids["B"]], prons, {p["SIL"]})


def test_ctm_lines():
    words = {2: "A", 4: "B", 9: "<sil>"}
    times = [WordTime(2, 5, 6), WordTime(9, 11, 3), WordTime(4, 14, 12)]
    assert ctm_lines("utt1", times, words, 0.01, {"<sil>"}) == ["utt1 1 0.05 0.06 A", "utt1 1 0.14 0.12 B"]
