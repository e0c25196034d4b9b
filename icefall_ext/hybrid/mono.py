"""Monophone GMM-HMM training on Kaldi's steps/train_mono.sh schedule.

gmm-init-mono (one Gaussian per pdf at the global mean and variance), align-equal-compiled, then
num_iters EM passes: gmm-acc-stats-ali (Viterbi statistics) + gmm-est (ML update, mixing up by
count towards tot_gauss over the first max_iter_inc passes), realigning with gmm-align-compiled at
realign_iters (beam 6 the first time, 10 after, retry beam 4x). Models are saved as a pickle of the
kaldi-hmm-gmm objects (the wheels have no Kaldi-format model reader).
"""
import logging
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from icefall_ext.hybrid.hmm import HmmModel, TrainingGraphs, equal_alignment
from icefall_ext.hybrid.kaldi import kaldifst, khg
from recipe_common.errors import InputError
from recipe_common.io import atomic_path

REALIGN_ITERS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20, 23, 26, 29, 32, 35, 38)


@dataclass
class MonoConfig:
    """train_mono.sh's options, same names and defaults."""

    num_iters: int = 40
    max_iter_inc: int = 30
    tot_gauss: int = 1000
    power: float = 0.25
    realign_iters: Tuple[int, ...] = REALIGN_ITERS
    acoustic_scale: float = 0.1
    transition_scale: float = 1.0
    self_loop_scale: float = 0.1
    first_beam: float = 6.0
    beam: float = 10.0
    init_utts: int = 10          # gmm-init-mono's feature subset (the first utterances)
    seed: int = 0


@dataclass
class GmmHmm:
    """An HMM-GMM acoustic model: the HMM side and one diagonal GMM per pdf."""

    hmm: HmmModel
    am: "khg.AmDiagGmm"
    phones: Optional[Dict[str, int]] = None  # the lang's phones.txt (without #k): mkgraph checks a lang against it

    def save(self, path: Path) -> None:
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                pickle.dump({"topo": self.hmm.topo, "ctx_dep": self.hmm.ctx_dep, "trans_model": self.hmm.trans_model,
                             "am": self.am, "phones": self.phones}, f)

    @staticmethod
    def load(path: Path) -> "GmmHmm":
        if not Path(path).is_file():
            raise InputError(f"{path}: model does not exist")
        with open(path, "rb") as f:
            d = pickle.load(f)
        if not isinstance(d, dict) or "am" not in d:
            raise InputError(f"{path}: not a GMM-HMM model (written by icefall_ext.hybrid.mono?)")
        return GmmHmm(HmmModel(d["topo"], d["ctx_dep"], d["trans_model"]), d["am"], d.get("phones"))

    def decodable(self, feats: np.ndarray, acoustic_scale: float) -> "khg.DecodableAmDiagGmmScaled":
        """The caller must keep this model alive while the decodable is used."""
        return khg.DecodableAmDiagGmmScaled(self.am, self.hmm.trans_model, np.ascontiguousarray(feats, np.float32),
                                            acoustic_scale)


@dataclass
class Utterance:
    feats: np.ndarray        # (T, dim) float32
    word_ids: List[int]


@dataclass
class TrainLog:
    """Per pass: average log-likelihood per frame of the statistics, Gaussians after the update,
    utterances without an alignment."""

    log_likes: List[float] = field(default_factory=list)
    num_gauss: List[int] = field(default_factory=list)
    failed: List[int] = field(default_factory=list)


def init_mono(hmm: HmmModel, feats: Sequence[np.ndarray]) -> "khg.AmDiagGmm":
    """gmm-init-mono: every pdf one Gaussian at the global mean and variance of `feats`."""
    frames = np.concatenate([f for f in feats if len(f)])
    mean, var = frames.mean(0), np.maximum(frames.var(0), 1e-3)
    am = khg.AmDiagGmm()
    for _ in range(hmm.trans_model.num_pdfs):
        gmm = khg.DiagGmm(1, frames.shape[1])
        gmm.set_weights(np.ones(1, dtype=np.float32))
        gmm.set_means(mean[None].astype(np.float32))
        gmm.set_invvars((1.0 / var)[None].astype(np.float32))
        gmm.compute_gconsts()
        am.add_pdf(gmm)
    return am


def accumulate(model: GmmHmm, utts: Dict[str, Utterance], alignments: Dict[str, List[int]]):
    """gmm-acc-stats-ali: Viterbi statistics of the GMMs and the transitions. Returns
    (GMM accumulator, transition counts, pdf occupancies, total log-likelihood, frames)."""
    acc = khg.AccumAmDiagGmm()
    acc.init(model.am, khg.str_to_gmm_flags("mvw"))
    tm = model.hmm.trans_model
    trans_stats = np.zeros(tm.num_transition_ids + 1, dtype=np.float64)
    occs = np.zeros(tm.num_pdfs, dtype=np.float64)
    tid_to_pdf = model.hmm.tid_to_pdf
    tot, frames = 0.0, 0
    for utt, ali in alignments.items():
        feats = utts[utt].feats
        ali_arr = np.asarray(ali, dtype=np.int64)
        np.add.at(trans_stats, ali_arr, 1.0)
        pdfs = tid_to_pdf[ali_arr]
        np.add.at(occs, pdfs, 1.0)
        for t, pdf in enumerate(pdfs):
            tot += acc.accumulate_for_gmm(model.am, feats[t], int(pdf), 1.0)
        frames += len(ali)
    return acc, trans_stats, occs, tot, frames


def update(model: GmmHmm, acc, trans_stats: np.ndarray, occs: np.ndarray, mix_up: int, power: float,
           min_gaussian_occupancy: float, rng: np.random.RandomState, perturb_factor: float = 0.01) -> None:
    """gmm-est: ML update of transitions and GMMs, then SplitByCount up to `mix_up` Gaussians. The
    split copies are moved apart here (perturb_factor x standard deviation, Kaldi's amount) with a
    seeded generator: the binding's own perturbation draws from an unseeded one, so runs differed."""
    model.hmm.trans_model.mle_update(trans_stats, khg.MleTransitionUpdateConfig())
    opts = khg.MleDiagGmmOptions(min_gaussian_occupancy=min_gaussian_occupancy)
    khg.mle_am_diag_gmm_update(opts, acc, khg.str_to_gmm_flags("mvw"), model.am)
    am = model.am
    if mix_up > am.num_gauss:
        before = [am.num_gauss_in_pdf(i) for i in range(am.num_pdfs)]
        am.split_by_count(occs.astype(np.float32), mix_up, 0.0, power, 20.0)
        for pdf, n in enumerate(before):
            for g in range(am.num_gauss_in_pdf(pdf) if am.num_gauss_in_pdf(pdf) > n else 0):
                mean, var = am.get_gaussian_mean(pdf, g), am.get_gaussian_variance(pdf, g)
                step = perturb_factor * np.sqrt(var) * rng.randn(len(mean))
                am.set_gaussian_mean(pdf, g, (mean + step).astype(np.float32))
    am.compute_gconsts()


def align(model: GmmHmm, graphs: Dict[str, "kaldifst.StdVectorFst"], utts: Dict[str, Utterance], beam: float,
          config: MonoConfig) -> Tuple[Dict[str, List[int]], List[str]]:
    """gmm-align-compiled: Viterbi alignment through each training graph with the current transition
    probabilities; an utterance with no path within the retry beam is counted and skipped."""
    align_config = khg.AlignConfig(beam=beam, retry_beam=4 * beam, careful=False)
    tm = model.hmm.trans_model
    alignments, failed = {}, []
    for utt, graph in graphs.items():
        fst = graph.copy()
        khg.add_transition_probs(trans_model=tm, disambig_syms=[], transition_scale=config.transition_scale,
                                 self_loop_scale=config.self_loop_scale, fst=fst)
        decodable = model.decodable(utts[utt].feats, config.acoustic_scale)
        done, _, _, _, _, ali, _ = khg.align_utterance_wrapper(align_config, utt, config.acoustic_scale, fst, decodable,
                                                               0, 0, 0, 0.0, 0)
        if done and ali:
            alignments[utt] = list(ali)
        else:
            failed.append(utt)
    return alignments, failed


def train_mono(hmm: HmmModel, lang_dir: Path, utts: Dict[str, Utterance], config: MonoConfig,
               on_iteration: Optional[Callable[[int, GmmHmm], None]] = None) -> Tuple[GmmHmm, TrainLog, Dict[str, List[int]]]:
    """The train_mono.sh loop; returns the final model, the per-pass log and the last alignments."""
    if not utts:
        raise InputError("no training utterances")
    compiler = TrainingGraphs(hmm, lang_dir)
    graphs = {utt: compiler.compile(u.word_ids) for utt, u in utts.items()}
    first = list(utts)[: config.init_utts]
    model = GmmHmm(hmm, init_mono(hmm, [utts[u].feats for u in first]))
    num_gauss = model.am.num_gauss
    inc_gauss = max(0, (config.tot_gauss - num_gauss) // max(1, config.max_iter_inc))
    log = TrainLog()
    rng = np.random.RandomState(config.seed)
    alignments = {}
    for n, (utt, graph) in enumerate(graphs.items()):
        ali = equal_alignment(graph, len(utts[utt].feats), config.seed + n)
        if ali:
            alignments[utt] = ali
    failed = [u for u in utts if u not in alignments]
    if not alignments:
        raise InputError(f"no utterance could be aligned equally ({len(failed)} too short for their transcripts)")
    log.failed.append(len(failed))
    if failed:
        logging.warning(f"align-equal: {len(failed)} utterance(s) too short for their transcripts, skipped")
    beam = config.first_beam
    for it in range(config.num_iters):
        if it > 0 and it in config.realign_iters:
            alignments, failed = align(model, graphs, utts, beam, config)
            beam = config.beam
            log.failed.append(len(failed))
            if failed:
                logging.warning(f"pass {it}: {len(failed)} utterance(s) not aligned, skipped (e.g. {failed[0]})")
            if not alignments:
                raise InputError(f"pass {it}: no utterance could be aligned")
        acc, trans_stats, occs, tot, frames = accumulate(model, utts, alignments)
        update(model, acc, trans_stats, occs, num_gauss, config.power, 3.0 if it == 0 else 10.0, rng)
        log.log_likes.append(tot / max(frames, 1))
        log.num_gauss.append(model.am.num_gauss)
        logging.info(f"pass {it}: log-likelihood per frame {log.log_likes[-1]:.3f} over {frames} frames, "
                     f"{log.num_gauss[-1]} Gaussians")
        if it < config.max_iter_inc:
            num_gauss += inc_gauss
        if on_iteration is not None:
            on_iteration(it, model)
    return model, log, alignments
