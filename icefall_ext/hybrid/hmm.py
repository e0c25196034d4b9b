"""The HMM side of a hybrid system: topology, monophone tree and transition model from a lang dir,
and the training graphs whose paths are the transcript's possible alignments."""
from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np

from icefall_ext.hybrid.kaldi import kaldifst, khg
from icefall_ext.hybrid.lang import read_int_list
from recipe_common.errors import InputError


@dataclass
class HmmModel:
    """Topology, tree and transition model kept together: the bindings hold raw references to
    the tree and topology, so neither may be collected while the transition model lives."""

    topo: "khg.HmmTopology"
    ctx_dep: "khg.ContextDependency"
    trans_model: "khg.TransitionModel"

    @property
    def tid_to_pdf(self) -> np.ndarray:
        """pdf of each transition-id (index 0, no transition-id, is -1 here)."""
        arr = np.asarray(self.trans_model.transition_id_to_pdf_array(), dtype=np.int64)
        arr[0] = -1
        return arr


def read_topo(path: Path) -> "khg.HmmTopology":
    if not Path(path).is_file():
        raise InputError(f"{path}: topology does not exist")
    topo = khg.HmmTopology()
    topo.read(Path(path).read_text())
    return topo


def monophone_model(lang_dir: Path) -> HmmModel:
    """gmm-init-mono's tree and transition model: one pdf per phone and HMM state, every phone its
    own root (without position-dependent phones Kaldi's sets.int is one phone a set)."""
    topo = read_topo(Path(lang_dir) / "topo")
    ctx_dep = khg.monophone_context_dependency(topo.phones, topo.get_phone_to_num_pdf_classes())
    return HmmModel(topo, ctx_dep, khg.TransitionModel(ctx_dep, topo))


class TrainingGraphs:
    """compile-train-graphs: the transcript's alignment graph (L_disambig from the lang, no G), with
    transition and self-loop scales 0 as Kaldi compiles them (align-equal and gmm-align-compiled
    add the transition probabilities at alignment time)."""

    def __init__(self, model: HmmModel, lang_dir: Path):
        self.model = model
        self.lex = kaldifst.StdVectorFst.read(str(Path(lang_dir) / "L_disambig.fst"))
        kaldifst.arcsort(self.lex, sort_type="olabel")
        self.disambig = read_int_list(Path(lang_dir) / "phones" / "disambig.int")
        opts = khg.TrainingGraphCompilerOptions(transition_scale=0.0, self_loop_scale=0.0, reorder=True)
        self.compiler = khg.TrainingGraphCompiler(model.trans_model, model.ctx_dep, self.lex, self.disambig, opts)

    def compile(self, word_ids: Sequence[int]) -> "kaldifst.StdVectorFst":
        return self.compiler.compile_graph_from_text(list(word_ids))


def equal_alignment(graph: "kaldifst.StdVectorFst", num_frames: int, seed: int = 0) -> List[int]:
    """align-equal: one random path of the graph with `num_frames` transition-ids, the frames shared
    out evenly; [] when the utterance is too short for the transcript."""
    ok, path = kaldifst.equal_align(graph, num_frames, seed)
    if not ok:
        return []
    linear, ilabels, _, _ = kaldifst.get_linear_symbol_sequence(path)
    if not linear:
        return []
    return [i for i in ilabels if i != 0]


def phones_of_alignment(model: HmmModel, alignment: Sequence[int]) -> List[Tuple[int, int]]:
    """(phone, number of frames) runs of an alignment (reorder=True: a phone starts at a transition-id
    that is a phone start and not a self-loop)."""
    runs: List[Tuple[int, int]] = []
    tm = model.trans_model
    for tid in alignment:
        if not runs or (tm.transition_ids_is_start_of_phone(tid) and not tm.is_self_loop(tid)):
            runs.append((tm.transition_id_to_phone(tid), 1))
        else:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
    return runs
