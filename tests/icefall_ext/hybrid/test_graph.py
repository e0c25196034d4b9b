"""HCLG of a toy grammar decodes a synthetic score matrix to the reference; G from an ARPA file
through kaldilm in a subprocess; the bigram ARPA estimator's rows sum to one."""
import math

import numpy as np
import pytest

from icefall_ext.hybrid.decode import HclgDecoder
from icefall_ext.hybrid.graph import arpa_to_g, check_lang_matches_model, make_hclg, make_word_loop_g
from icefall_ext.hybrid.hmm import TrainingGraphs, equal_alignment, monophone_model
from icefall_ext.hybrid.kaldi import kaldifst
from icefall_ext.hybrid.lang import prepare_lang, read_lexicon, write_lang_dir
from icefall_ext.lm.arpa import BOS, EOS, bigram_log10_prob, estimate_bigram_arpa, read_arpa
from recipe_common.errors import InputError

WORDS = ["A", "AB", "B", "BE"]


@pytest.fixture
def toy(tmp_path):
    (tmp_path / "toy.dic").write_text("A AH\nAB AH B\nB B IY\nBE B IY\n")
    lang = prepare_lang(read_lexicon(tmp_path / "toy.dic"), ["SIL"])
    write_lang_dir(lang, tmp_path / "lang")
    return lang, tmp_path / "lang", monophone_model(tmp_path / "lang")


def _scores_for(model, lang_dir, word_ids, frames_per_phone=6, seed=0):
    """A (T, num_pdfs) matrix that favours the pdfs of one equal alignment of `word_ids` (0 against -8)."""
    graphs = TrainingGraphs(model, lang_dir)
    graph = graphs.compile(word_ids)
    alignment = equal_alignment(graph, frames_per_phone * 3 * 5, seed)
    assert alignment
    pdfs = model.tid_to_pdf[alignment]
    scores = np.full((len(pdfs), model.trans_model.num_pdfs), -8.0, dtype=np.float32)
    scores[np.arange(len(pdfs)), pdfs] = 0.0
    return scores


def _hclg(lang, lang_dir, model, g):
    l_disambig = kaldifst.StdVectorFst.read(str(lang_dir / "L_disambig.fst"))
    return make_hclg(l_disambig, g, [lang.phone_ids[p] for p in lang.disambig_phones], model.ctx_dep, model.trans_model)


def test_word_loop_hclg_decodes_reference(toy):
    lang, lang_dir, model = toy
    hclg = _hclg(lang, lang_dir, model, make_word_loop_g([lang.word_ids[w] for w in WORDS]))
    decoder = HclgDecoder(hclg, model)
    for seed, words in enumerate([["AB", "A", "B"], ["B", "A"], ["A", "A", "AB", "B"]]):
        reference = [lang.word_ids[w] for w in words]
        hyp = decoder.decode_pdf_scores(_scores_for(model, lang_dir, reference, seed=seed))
        assert hyp.ok and hyp.word_ids == reference
        assert len(hyp.alignment) == 90


def test_arpa_g_hclg_decodes_reference(toy, tmp_path):
    lang, lang_dir, model = toy
    arpa = tmp_path / "lm.arpa"
    arpa.write_text(estimate_bigram_arpa([["AB", "A", "B"], ["A", "B"]], WORDS + ["<UNK>"]))
    g_path = tmp_path / "G.fst"
    arpa_to_g(arpa, lang_dir / "words.txt", g_path, timeout_s=120)
    g = kaldifst.StdVectorFst.read(str(g_path))
    assert g.num_states > 0
    hclg = _hclg(lang, lang_dir, model, g)
    reference = [lang.word_ids[w] for w in ["AB", "A", "B"]]
    hyp = HclgDecoder(hclg, model).decode_pdf_scores(_scores_for(model, lang_dir, reference))
    assert hyp.ok and hyp.word_ids == reference


def test_arpa_to_g_bad_input_is_one_line(toy, tmp_path):
    _, lang_dir, _ = toy
    arpa = tmp_path / "bad.arpa"
    arpa.write_text("\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\tNOT_A_WORD\n\n\\end\\\n")
    with pytest.raises(InputError, match="kaldilm's arpa2fst failed"):
        arpa_to_g(arpa, lang_dir / "words.txt", tmp_path / "G.fst", timeout_s=120)
    assert not (tmp_path / "G.fst").exists()


def test_lang_of_another_model_is_refused(toy):
    lang, _, model = toy
    phones = {p: lang.phone_ids[p] for p in lang.silence_phones + lang.nonsilence_phones}
    check_lang_matches_model(phones, model.trans_model, dict(phones), "x")
    with pytest.raises(InputError, match="not the model's lang: 3 phones, the model has 5"):
        check_lang_matches_model({"SIL": 1, "SPN": 2, "AH": 3}, model.trans_model, None, "data/lang")
    renamed = dict(phones)
    renamed["EH"] = renamed.pop("AH")  # same ids, another phone: the sizes agree, the names do not
    with pytest.raises(InputError, match="phone 'AH' \\(id 3\\) only in the model's phones.txt"):
        check_lang_matches_model(renamed, model.trans_model, phones, "data/lang")


def test_bigram_arpa_rows_sum_to_one():
    vocab = ["A", "B", "C", "D"]
    unigrams, bigrams = read_arpa(estimate_bigram_arpa([["A", "B"], ["A", "C", "A"], ["B"]], vocab))
    for h in [BOS] + vocab:
        total = sum(10 ** bigram_log10_prob(unigrams, bigrams, h, w) for w in vocab + [EOS])
        assert math.isclose(total, 1.0, rel_tol=1e-4), h
    assert bigrams[(BOS, "A")] > bigram_log10_prob(unigrams, bigrams, BOS, "D")  # seen beats unseen
    with pytest.raises(InputError, match="not in the LM vocabulary"):
        estimate_bigram_arpa([["Z"]], vocab)
