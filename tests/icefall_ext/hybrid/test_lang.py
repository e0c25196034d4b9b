"""Lang preparation on a 3-word lexicon against a hand-built L (compared path by path)."""
import math

import pytest

from icefall_ext.hybrid.kaldi import kaldifst
from icefall_ext.hybrid.lang import (Lang, add_disambig_symbols, make_lexicon_fst, prepare_lang, read_lexicon,
                                     read_symbol_table, write_lang_dir)
from recipe_common.errors import InputError

LN2 = math.log(2.0)


def paths(fst, max_arcs: int = 8):
    """{(input labels, output labels, cost)} of every accepting path of at most max_arcs arcs (epsilons dropped)."""
    out = set()

    def walk(state, ins, outs, cost, depth):
        final = fst.final(state).value
        if math.isfinite(final):
            out.add((tuple(i for i in ins if i), tuple(o for o in outs if o), round(cost + final, 4)))
        if depth == max_arcs:
            return
        for a in kaldifst.ArcIterator(fst, state):
            walk(a.nextstate, ins + [a.ilabel], outs + [a.olabel], cost + a.weight.value, depth + 1)

    walk(fst.start, [], [], 0.0, 0)
    return out


@pytest.fixture
def lang(tmp_path) -> Lang:
    dic = tmp_path / "toy.dic"
    # BE and B are homophones; A is a prefix of AB (AH B); C(2) is CMU's alternate pronunciation.
    dic.write_text("A AH\nAB AH B\nB B IY\nBE B IY\n")
    return prepare_lang(read_lexicon(dic), silence_phones=["SIL"])


def test_symbol_tables(lang):
    assert lang.phones == ["<eps>", "SIL", "SPN", "AH", "B", "IY", "#0", "#1", "#2", "#3"]
    assert lang.words == ["<eps>", "<UNK>", "A", "AB", "B", "BE", "#0", "<s>", "</s>"]
    assert lang.silence_disambig == "#3"


def test_disambig_symbols_on_homophones_and_prefixes(lang):
    assert dict((w, p) for w, p in lang.disambig_lexicon) == {
        "A": ["AH", "#1"], "AB": ["AH", "B"], "B": ["B", "IY", "#1"], "BE": ["B", "IY", "#2"], "<UNK>": ["SPN"]}
    assert add_disambig_symbols([("X", ["P"])]) == ([("X", ["P"])], 0)


def _hand_built_l(lang: Lang):
    """L with the word on the LAST phone and silence as a separate optional loop state: a different
    machine that must accept the same (phones, words, cost) paths as make_lexicon_fst's."""
    p, w = lang.phone_ids, lang.word_ids
    # state 0 start; 1 between words (no silence yet) ; 2 after silence
    lines = [f"0 1 0 0 {LN2}", f"0 2 {p['SIL']} 0 {LN2}", "1 0", "2 0"]
    nxt = 3
    for word, pron in [("A", ["AH"]), ("AB", ["AH", "B"]), ("B", ["B", "IY"]), ("BE", ["B", "IY"]), ("<UNK>", ["SPN"])]:
        for src in (1, 2):
            state = src
            for ph in pron[:-1]:
                lines.append(f"{state} {nxt} {p[ph]} 0 0")
                state, nxt = nxt, nxt + 1
            # end of word: either no silence (back to 1) or silence (to 2 via one SIL arc)
            lines.append(f"{state} 1 {p[pron[-1]]} {w[word]} {LN2}")
            lines.append(f"{state} {nxt} {p[pron[-1]]} {w[word]} {LN2}")
            lines.append(f"{nxt} 2 {p['SIL']} 0 0")
            nxt += 1
    return kaldifst.compile("\n".join(lines))


def test_l_fst_equals_hand_built(lang):
    mine, expected = paths(make_lexicon_fst(lang, disambig=False)), paths(_hand_built_l(lang))
    # the hand-built FST has silence at the very start as one arc, which with <= 8 arcs reaches the same paths
    short = lambda s: {x for x in s if len(x[0]) <= 4}  # noqa: E731
    assert short(mine) == short(expected)
    p, w = lang.phone_ids, lang.word_ids
    # spot checks: 'B BE' spoken as B IY B IY, with and without silence between, both words seen
    assert ((p["B"], p["IY"], p["B"], p["IY"]), (w["B"], w["BE"]), round(2 * LN2 + LN2, 4)) in mine
    assert ((p["SIL"], p["AH"], p["SIL"]), (w["A"],), round(2 * LN2, 4)) in mine


def test_l_disambig_keeps_disambig_and_word_loop(lang):
    fst = make_lexicon_fst(lang, disambig=True)
    p, w = lang.phone_ids, lang.word_ids
    got = paths(fst, max_arcs=6)
    assert ((p["B"], p["IY"], p["#2"]), (w["BE"],), round(2 * LN2, 4)) in got
    assert ((p["AH"], p["#1"], p["SIL"], p["#3"]), (w["A"],), round(2 * LN2, 4)) in got
    assert ((p["#0"],), (w["#0"],), round(LN2, 4)) in got  # G's #0 passes through the loop state
    # determinizable once the disambiguation symbols are in (Kaldi's reason for them)
    det = fst.copy()
    assert kaldifst.determinize_star(det) is False  # False: finished, not stopped at max_states
    assert paths(det, max_arcs=3) >= {x for x in got if len(x[0]) <= 2 and x[0][:1] != (p["#0"],)} - {((), (), round(LN2, 4))}


def test_write_lang_dir_layout(lang, tmp_path):
    out = tmp_path / "lang"
    write_lang_dir(lang, out)
    for name in ["phones.txt", "words.txt", "L.fst", "L_disambig.fst", "topo", "oov.txt", "oov.int"]:
        assert (out / name).is_file(), name
    for name in ["silence", "nonsilence", "optional_silence", "disambig"]:
        assert (out / "phones" / f"{name}.txt").is_file() and (out / "phones" / f"{name}.int").is_file()
    assert read_symbol_table(out / "phones.txt")["#3"] == 9
    assert (out / "phones" / "disambig.int").read_text().split() == ["6", "7", "8", "9"]
    assert (out / "oov.int").read_text().strip() == str(lang.word_ids["<UNK>"])
    assert kaldifst.StdVectorFst.read(str(out / "L.fst")).num_states > 0
    from icefall_ext.hybrid.kaldi import khg
    topo = khg.HmmTopology()
    topo.read((out / "topo").read_text())
    assert topo.num_pdf_classes(lang.phone_ids["SIL"]) == 5 and topo.num_pdf_classes(lang.phone_ids["AH"]) == 3


def test_cmu_alternates_and_bad_phone(tmp_path):
    dic = tmp_path / "an4.dic"
    dic.write_text("A AH\nA(2) EY\nTWO T UW\n")
    assert read_lexicon(dic) == [("A", ["AH"]), ("A", ["EY"]), ("TWO", ["T", "UW"])]
    with pytest.raises(InputError, match="phone\\(s\\) UW of 'TWO' not in the phone set"):
        read_lexicon(dic, phone_set={"AH", "EY", "T"})
    dic.write_text("A\n")
    with pytest.raises(InputError, match="has no pronunciation"):
        read_lexicon(dic)
