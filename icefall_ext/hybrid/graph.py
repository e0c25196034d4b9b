"""Decoding graphs: G from an ARPA file (kaldilm's arpa2fst, in a subprocess) or a word loop, and
HCLG as Kaldi's utils/mkgraph.sh builds it.

mkgraph.sh's OpenFst/Kaldi tools that the wheels lack, and what stands in for them:
fstpushspecial (weight pushing of LG) is skipped, fstrmsymbols is `remove_input_symbols` (a rebuilt
FST with the disambiguation transition-ids set to epsilon), fstrmepslocal is a full rmepsilon."""
import logging
import math
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

from icefall_ext.hybrid.kaldi import kaldifst, khg
from recipe_common.errors import InputError
from recipe_common.io import atomic_path

KALDILM_TIMEOUT_S = 600


def arpa_to_g(arpa: Path, words_txt: Path, g_fst: Path, timeout_s: float = KALDILM_TIMEOUT_S) -> None:
    """Kaldi's format_lm.sh: arpa2fst with #0 on the back-off arcs and <s>/</s> as epsilons.
    kaldilm runs in its own process: imported beside kaldi_hmm_gmm it can deadlock (see the note)."""
    for path in (arpa, words_txt):
        if not Path(path).is_file():
            raise InputError(f"{path}: does not exist")
    with atomic_path(g_fst) as tmp:
        cmd = [sys.executable, "-m", "kaldilm", "--disambig-symbol=#0", f"--read-symbol-table={words_txt}",
               "--max-arpa-warnings=0", str(arpa), str(tmp)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise InputError(f"{arpa}: kaldilm did not finish in {timeout_s:.0f} s") from None
        if done.returncode != 0 or not tmp.stat().st_size:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise InputError(f"{arpa}: kaldilm's arpa2fst failed: {last}")


def make_word_loop_g(word_ids: Sequence[int]) -> "kaldifst.StdVectorFst":
    """A one-state grammar: any sequence of `word_ids`, each -log(1/n) (a digit-loop style G)."""
    if not word_ids:
        raise InputError("a word-loop grammar needs at least one word")
    g = kaldifst.StdVectorFst()
    s = g.add_state()
    g.start = s
    cost = math.log(len(word_ids))
    for w in word_ids:
        g.add_arc(s, kaldifst.StdArc(w, w, cost, s))
    g.set_final(s, 0.0)
    return g


def remove_input_symbols(fst: "kaldifst.StdVectorFst", symbols: Iterable[int]) -> "kaldifst.StdVectorFst":
    """fstrmsymbols: the same FST with these input labels replaced by epsilon."""
    drop = set(symbols)
    out = kaldifst.StdVectorFst()
    for _ in kaldifst.StateIterator(fst):
        out.add_state()
    for s in kaldifst.StateIterator(fst):
        for a in kaldifst.ArcIterator(fst, s):
            out.add_arc(s, kaldifst.StdArc(0 if a.ilabel in drop else a.ilabel, a.olabel, a.weight.value, a.nextstate))
        out.set_final(s, fst.final(s).value)
    out.start = fst.start
    return out


def check_lang_matches_model(lang_phones: Dict[str, int], trans_model: "khg.TransitionModel",
                             model_phones: Optional[Dict[str, int]], where: str) -> None:
    """A graph from another lang than the model's: one line naming the first phone that differs,
    instead of a graph whose transition-ids mean other phones. `lang_phones` without <eps> and #k."""
    if model_phones is not None and lang_phones != model_phones:
        differ = sorted(set(lang_phones.items()) ^ set(model_phones.items()), key=lambda x: (x[1], x[0]))
        phone, pid = differ[0]
        side = "the lang" if lang_phones.get(phone) == pid else "the model"
        raise InputError(f"{where}: not the model's lang: phone '{phone}' (id {pid}) only in {side}'s phones.txt")
    if sorted(lang_phones.values()) != sorted(trans_model.phones):
        raise InputError(f"{where}: not the model's lang: {len(lang_phones)} phones, the model has "
                         f"{len(trans_model.phones)}")


def make_hclg(l_disambig: "kaldifst.StdVectorFst", g: "kaldifst.StdVectorFst", disambig_phones: List[int],
              ctx_dep: "khg.ContextDependency", trans_model: "khg.TransitionModel", context_width: int = 1,
              central_position: int = 0, transition_scale: float = 1.0,
              self_loop_scale: float = 0.1) -> "kaldifst.StdVectorFst":
    """mkgraph.sh: LG = det*(L o G) minimized; CLG by context composition; HCLGa = det*(Ha o CLG)
    with the disambiguation transition-ids removed, epsilons removed, minimized; then self-loops
    added at `self_loop_scale` with reordering (Kaldi's defaults: transition scale 1, self-loop 0.1)."""
    kaldifst.arcsort(l_disambig, sort_type="olabel")
    kaldifst.arcsort(g, sort_type="ilabel")
    lg = kaldifst.compose(l_disambig, g)
    if kaldifst.determinize_star(lg, use_log=True):
        raise InputError("LG: determinization stopped early (a lexicon without disambiguation symbols?)")
    kaldifst.minimize_encoded(lg)
    clg, ilabels = kaldifst.compose_context(disambig_phones, context_width, central_position, lg)
    kaldifst.arcsort(clg, sort_type="ilabel")
    config = khg.HTransducerConfig()
    config.transition_scale = transition_scale
    ha, disambig_tids = khg.get_h_transducer(ilabels, ctx_dep, trans_model, config)
    kaldifst.arcsort(ha, sort_type="olabel")
    hclga = kaldifst.compose(ha, clg)
    if kaldifst.determinize_star(hclga, use_log=True):
        raise InputError("HCLGa: determinization stopped early")
    hclga = remove_input_symbols(hclga, disambig_tids)
    kaldifst.rmepsilon(hclga)
    kaldifst.minimize_encoded(hclga)
    hclg = khg.add_self_loops(self_loop_scale=self_loop_scale, disambig_syms=[], reorder=True,
                              trans_model=trans_model, ifst=hclga)
    kaldifst.arcsort(hclg, sort_type="ilabel")
    logging.info(f"HCLG: {hclg.num_states} states (LG {lg.num_states}, CLG {clg.num_states})")
    return hclg
