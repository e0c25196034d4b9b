"""The hybrid entry points turn bad input into one line: a missing lexicon, a transcript OOV (a warning
with the count, not an error), and a graph from a lang that is not the model's."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from icefall_ext.hybrid.hmm import monophone_model
from icefall_ext.hybrid.lang import prepare_lang, read_lexicon, write_lang_dir
from icefall_ext.hybrid.mono import GmmHmm, init_mono

ROOT = Path(__file__).resolve().parents[3]


def run_bin(name, *args):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", f"icefall_ext.bin.{name}", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=120)


def _lang(tmp_path, name, lexicon):
    (tmp_path / f"{name}.dic").write_text(lexicon)
    (tmp_path / "fillers").write_text("<sil> SIL\n")
    write_lang_dir(prepare_lang(read_lexicon(tmp_path / f"{name}.dic") + [("<sil>", ["SIL"])], ["SIL"]), tmp_path / name)
    return tmp_path / name


def test_missing_lexicon_is_one_line(tmp_path):
    (tmp_path / "fillers").write_text("<sil> SIL\n")
    proc = run_bin("prepare_lang", "--lexicon", tmp_path / "none.dic", "--fillers", tmp_path / "fillers",
                   "--lang-dir", tmp_path / "lang")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == f"prepare_lang.py: error: {tmp_path / 'none.dic'}: lexicon does not exist"


def test_graph_from_another_lang_is_refused(tmp_path):
    model_lang = _lang(tmp_path, "lang_a", "ONE W AH N\nTWO T UW\n")
    hmm = monophone_model(model_lang)
    GmmHmm(hmm, init_mono(hmm, [np.random.RandomState(0).randn(50, 4).astype(np.float32)])).save(tmp_path / "final.mdl")
    other = _lang(tmp_path, "lang_b", "SIX S IH K S\n")
    g = "0 0 {w} {w} 0.0\n0 0.0\n"
    from icefall_ext.hybrid.kaldi import kaldifst
    words = dict(line.split() for line in (other / "words.txt").read_text().splitlines())
    kaldifst.compile(g.format(w=words["SIX"])).write(str(other / "G.fst"))
    proc = run_bin("mkgraph", other, tmp_path / "final.mdl", tmp_path / "graph")
    assert proc.returncode == 1
    assert "not the model's lang" in proc.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "graph" / "HCLG.fst").exists()


def test_transcript_oovs_are_counted_and_mapped(tmp_path):
    lang = _lang(tmp_path, "lang", "ONE W AH N\nTWO T UW\n")
    (tmp_path / "text").write_text("u1 ONE FORTY TWO\nu2 FORTY TWO\n")
    (tmp_path / "conf.yaml").write_text("lm: {discount: 0.5}\n")
    proc = run_bin("make_hybrid_g", "--config", tmp_path / "conf.yaml", "--text", tmp_path / "text", "--lang-dir", lang,
                   "--out-dir", tmp_path / "lang_test")
    assert proc.returncode == 0, proc.stderr
    assert "2 word token(s) of 1 type(s) not in the lexicon, mapped to <UNK>: FORTY (2)" in proc.stderr
    assert (tmp_path / "lang_test" / "G.fst").is_file() and "<UNK>" in (tmp_path / "lang_test" / "lm.arpa").read_text()
