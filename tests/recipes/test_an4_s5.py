"""egs/an4/s5 (the Kaldi-style GMM-HMM) on a tiny corpus in CMU AN4's exact layout, through every
stage at the CI config; and its bad input."""
import ast

import pytest

from .an4_layout import build_tiny_an4
from .helpers import assert_ok, error_lines, run_recipe

pytestmark = pytest.mark.recipe
RECIPE = "egs/an4/s5"


def test_every_stage_on_a_tiny_an4_layout(tmp_path, fsdd_subset):
    an4 = build_tiny_an4(tmp_path / "corpus", fsdd_subset, per_speaker=10)
    results = tmp_path / "RESULTS.md"
    args = ["--conf", "conf/ci.yaml", "--corpus-dir", str(an4), "--num-dev", "6",
            "--data-dir", str(tmp_path / "data"), "--exp-dir", str(tmp_path / "exp"), "--results", str(results)]
    proc = run_recipe(RECIPE, args, timeout=300)
    assert_ok(proc)
    lang = tmp_path / "data" / "lang"
    for name in ["phones.txt", "words.txt", "L.fst", "L_disambig.fst", "topo", "oov.txt", "phones/disambig.int"]:
        assert (lang / name).is_file(), name
    assert (tmp_path / "data" / "lang_test_bg" / "G.fst").is_file()
    assert (tmp_path / "exp" / "mono" / "graph" / "HCLG.fst").is_file()
    log = (tmp_path / "exp" / "mono" / "log.tsv").read_text().splitlines()[1:]
    likes = [float(row.split("\t")[1]) for row in log]
    assert len(likes) == 6 and likes[-1] > likes[0]
    for s in ("dev", "test"):
        for w in ("9", "11"):
            assert (tmp_path / "exp" / "mono" / f"decode_{s}" / f"wer-summary-{s}-lmwt-{w}.txt").is_file()
    ctm = (tmp_path / "exp" / "mono" / "decode_test" / "ctm-test-lmwt-9.txt").read_text().splitlines()
    assert ctm and all(len(line.split()) == 5 and line.split()[1] == "1" for line in ctm)
    recogs = (tmp_path / "exp" / "mono" / "decode_test" / "recogs-test-lmwt-9.txt").read_text()
    hyp_words = sum(len(ast.literal_eval(line.split("hyp=")[1])) for line in recogs.splitlines() if "\thyp=" in line)
    assert len(ctm) == hyp_words  # one timed word per recognised word
    text = results.read_text()
    assert "| mono |" in text and "Produced by" in text and "LMWT 9:" in text
    written = results.stat().st_mtime_ns
    again = run_recipe(RECIPE, args + ["--stage", "2"], timeout=120)
    assert_ok(again)
    assert "done already, skipping" in again.stdout and ".results.done: done already, skipping" in again.stdout
    assert results.stat().st_mtime_ns == written  # a finished recipe re-run rewrites nothing (issue 19)


def test_a_lexicon_phone_outside_the_phone_set_is_one_line(tmp_path, fsdd_subset):
    an4 = build_tiny_an4(tmp_path / "corpus", fsdd_subset, per_speaker=1)
    dic = an4 / "etc" / "an4.dic"
    dic.write_text(dic.read_text() + "OH                   OW QQ\n")
    proc = run_recipe(RECIPE, ["--corpus-dir", str(an4), "--data-dir", str(tmp_path / "data"),
                               "--exp-dir", str(tmp_path / "exp"), "--stage", "2", "--stop-stage", "2"], timeout=120)
    assert proc.returncode != 0
    [line] = error_lines(proc)
    assert "phone(s) QQ of 'OH' not in the phone set" in line
    assert not (tmp_path / "data" / "lang" / "L.fst").exists()


def test_no_corpus_is_a_one_line_error(tmp_path):
    proc = run_recipe(RECIPE, ["--data-dir", str(tmp_path / "data"), "--exp-dir", str(tmp_path / "exp"),
                               "--stop-stage", "1"], timeout=60)
    assert proc.returncode != 0
    assert "give --corpus-dir DIR" in proc.stderr
