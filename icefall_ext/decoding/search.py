"""The registry of decoding methods (icefall's --decoding-method names) and decoding of cut sets.

A method maps (model, encoder_out (N, T, D), encoder_lens (N,), SearchOptions) to token ids per
utterance; a streaming one (`from_features=True`) maps the features (N, T, F) and their lengths
instead, since it runs the encoder itself, chunk by chunk. Registering one makes it known to
decode.py, transcribe.py, the recipes' configs and RESULTS.md; `sherpa_onnx=True` marks the methods
sherpa-onnx's offline recogniser also implements (the streaming ones are its OnlineRecognizer's),
and `scales` names the SearchOptions scales a fusion method reads (a grid of them is decoded in turn).
"""
import itertools
import logging
from dataclasses import dataclass
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import torch
from lhotse import CutSet

from icefall_ext.asr_config import DecodeConfig
from icefall_ext.data.datamodule import eval_dataloader
from icefall_ext.decoding.beam_search import modified_beam_search
from icefall_ext.decoding.ctc_greedy_search import ctc_greedy_search
from icefall_ext.decoding.greedy_search import greedy_search_batch
from icefall_ext.decoding.lm_fusion import BigramFusion, InternalLmFusion, LmFusion, SumFusion
from icefall_ext.decoding.lm_rescore import modified_beam_search_lm_rescore
from icefall_ext.decoding.scoring import Result
from icefall_ext.decoding.streaming import streaming_greedy_search, streaming_modified_beam_search
from icefall_ext.lm.bigram import TokenBigram
from icefall_ext.lm.rnn_lm import RnnLm, load_rnn_lm
from icefall_ext.models.subsampling import SUBSAMPLING_FACTOR
from icefall_ext.models.transducer import Transducer
from icefall_ext.tokens.bpe import Tokenizer
from recipe_common.errors import InputError
from recipe_common.logging import Progress


@dataclass
class SearchOptions:
    beam: int = 4  # hypotheses kept per frame (modified beam search); sherpa-onnx's max_active_paths
    # streaming searches: feature frames per chunk (sherpa-onnx's decode_chunk_len); None: those of
    # the chunk the causal encoder's forward decodes with (the first of model.encoder.chunk_sizes)
    chunk_frames: Optional[int] = None
    # offline searches: a causal encoder's attention over the whole utterance, not in chunks
    full_context: bool = False
    # LM fusion (decode.lm_scale etc. of the config; decoding/lm_fusion.py)
    lm_scale: float = 0.0
    ilme_scale: float = 0.0
    lodr_scale: float = 0.0
    lm: Optional[RnnLm] = None
    bigram: Optional[TokenBigram] = None


SearchFunction = Callable[[Transducer, torch.Tensor, torch.Tensor, SearchOptions], List[List[int]]]


class _Method(NamedTuple):
    search: SearchFunction
    sherpa_onnx: bool
    from_features: bool
    scales: Tuple[str, ...]


_METHODS: Dict[str, _Method] = {}
# what a scale needs loaded, and the option that loads it
_SCALE_NEEDS = {"lm_scale": ("lm", "an LM (decode.lm_checkpoint or --lm-checkpoint)"),
                "lodr_scale": ("bigram", "a token bigram (decode.bigram or --bigram)")}


def register_method(name: str, search: SearchFunction, sherpa_onnx: bool = False, from_features: bool = False,
                    scales: Tuple[str, ...] = ()) -> None:
    if name in _METHODS:
        raise ValueError(f"decoding method '{name}' is registered twice")
    _METHODS[name] = _Method(search, sherpa_onnx, from_features, scales)


def method_names(sherpa_onnx: bool = False) -> List[str]:
    """Registered methods in registration order; sherpa_onnx=True: those sherpa-onnx also runs."""
    return [name for name, m in _METHODS.items() if m.sherpa_onnx or not sherpa_onnx]


def method_scales(name: str) -> Tuple[str, ...]:
    """The SearchOptions scales a registered method reads (() for one without LM fusion)."""
    return _METHODS[name].scales


def check_methods(methods: List[str], where: str, sherpa_onnx: bool = False) -> None:
    known = method_names(sherpa_onnx)
    for m in methods:
        if m not in known:
            raise InputError(f"{where}: unknown decoding method '{m}' (known: {', '.join(known)})")


register_method("greedy_search", lambda model, enc, lens, opts: greedy_search_batch(model, enc, lens), sherpa_onnx=True)
# batched over the utterances (icefall's modified_beam_search); the same hypotheses as modified_beam_search_one
register_method("modified_beam_search", lambda model, enc, lens, opts: modified_beam_search(model, enc, lens, opts.beam),
                sherpa_onnx=True)
# the auxiliary CTC head's (sherpa-onnx: its CTC recogniser on ctc.onnx, export/onnx_ctc.py)
register_method("ctc_greedy_search", lambda model, enc, lens, opts: ctc_greedy_search(model, enc, lens), sherpa_onnx=True)


register_method(
    "modified_beam_search_lm_shallow_fusion",
    lambda model, enc, lens, opts: modified_beam_search(model, enc, lens, opts.beam, LmFusion(opts.lm, opts.lm_scale)),
    scales=("lm_scale",),
)
register_method(
    "modified_beam_search_ILME",
    lambda model, enc, lens, opts: modified_beam_search(model, enc, lens, opts.beam, SumFusion(
        [LmFusion(opts.lm, opts.lm_scale), InternalLmFusion(model, -opts.ilme_scale)])),
    scales=("lm_scale", "ilme_scale"),
)
register_method(
    "modified_beam_search_LODR",
    lambda model, enc, lens, opts: modified_beam_search(model, enc, lens, opts.beam, SumFusion(
        [LmFusion(opts.lm, opts.lm_scale), BigramFusion(opts.bigram, opts.lodr_scale)])),
    scales=("lm_scale", "lodr_scale"),
)
# sherpa-onnx's offline recogniser with an `lm` (and `lodr_fst`): the final beam rescored
register_method(
    "modified_beam_search_lm_rescore",
    lambda model, enc, lens, opts: modified_beam_search_lm_rescore(model, enc, lens, opts.beam, opts.lm, opts.lm_scale),
    sherpa_onnx=True, scales=("lm_scale",),
)
register_method(
    "modified_beam_search_lm_rescore_LODR",
    lambda model, enc, lens, opts: modified_beam_search_lm_rescore(
        model, enc, lens, opts.beam, opts.lm, opts.lm_scale, opts.bigram, opts.lodr_scale),
    sherpa_onnx=True, scales=("lm_scale", "lodr_scale"),
)


def load_search_options(cfg: DecodeConfig, vocab_size: int, device: torch.device) -> SearchOptions:
    """The decode section's options, with its LM and bigram loaded where set (onto `device`);
    either one over another vocabulary than the transducer's is one line."""
    return SearchOptions(
        beam=cfg.beam, lm_scale=cfg.lm_scale, ilme_scale=cfg.ilme_scale, lodr_scale=cfg.lodr_scale,
        lm=load_rnn_lm(cfg.lm_checkpoint, vocab_size).to(device) if cfg.lm_checkpoint else None,
        bigram=TokenBigram.load(cfg.bigram, vocab_size) if cfg.bigram else None,
    )


def check_options(methods: List[str], options: SearchOptions) -> None:
    """A fusion method without the LM (or bigram) its scales read is one line naming what to set."""
    for m in methods:
        for scale in _METHODS[m].scales:
            attr, what = _SCALE_NEEDS.get(scale, (None, ""))
            if attr and getattr(options, attr) is None:
                raise InputError(f"decoding method {m} needs {what}")


def scale_grid(method: str, grids: Dict[str, Sequence[float]]) -> List[Dict[str, float]]:
    """Every combination of the scales `method` reads ({} once for a method without any), from one
    grid of values per scale name; an empty grid is one line."""
    for name, values in grids.items():
        if not values:
            raise InputError(f"--{name.replace('_', '-')}: empty scale grid (give at least one value)")
    names = _METHODS[method].scales
    return [dict(zip(names, combo)) for combo in itertools.product(*(grids[n] for n in names))]


def scale_suffix(scales: Dict[str, float]) -> str:
    """icefall's decoding-result suffix of the scales: `-lm-scale-0.3-ilme-scale-0.1`."""
    return "".join(f"-{name.replace('_', '-')}-{value:g}" for name, value in scales.items())


def _chunk_frames(model: Transducer, options: SearchOptions) -> int:
    """The streaming chunk in feature frames; one line (InputError) where the model cannot stream in it."""
    chunk = options.chunk_frames or SUBSAMPLING_FACTOR * model.encoder.cfg.chunk_sizes[0]
    try:
        model.encoder.streaming_chunk_size(chunk)
    except ValueError as e:
        raise InputError(str(e))
    return chunk


register_method("streaming_greedy_search", lambda model, feats, lens, opts: streaming_greedy_search(
    model, feats, lens, _chunk_frames(model, opts)), from_features=True)
register_method("streaming_modified_beam_search", lambda model, feats, lens, opts: streaming_modified_beam_search(
    model, feats, lens, _chunk_frames(model, opts), opts.beam), from_features=True)


def search_method(name: str) -> SearchFunction:
    """The search a registered name stands for."""
    check_methods([name], "decoding method")
    return _METHODS[name].search


@torch.no_grad()
def decode_features(
    model: Transducer, feats: torch.Tensor, feat_lens: torch.Tensor, method: str, options: SearchOptions
) -> List[List[int]]:
    """Token ids per utterance of a padded batch of features (N, T, F)."""
    check_methods([method], "--decoding-method")
    check_options([method], options)
    search, _, from_features, _ = _METHODS[method]
    if from_features:
        return search(model, feats, feat_lens, options)
    encoder_out, encoder_lens = (model.forward_encoder(feats, feat_lens, full_context=True) if options.full_context
                                 else model.forward_encoder(feats, feat_lens))
    return search(model, encoder_out, encoder_lens, options)


def decode_cuts(
    model: Transducer, tokenizer: Tokenizer, cuts: CutSet, method: str, options: SearchOptions, max_duration: float
) -> List[Result]:
    """(cut id, reference words, hypothesis words) per cut, decoded on the model's device."""
    device = next(model.parameters()).device
    results: List[Result] = []
    total = len(cuts)
    progress = Progress(total)
    for batch in eval_dataloader(cuts, max_duration):
        sup = batch["supervisions"]
        feats = batch["inputs"]
        lens = torch.zeros(feats.shape[0], dtype=torch.long)
        lens[sup["sequence_idx"]] = (sup["start_frame"] + sup["num_frames"]).long()
        hyps = decode_features(model, feats.to(device), lens.to(device), method, options)
        for i, text, cut in zip(sup["sequence_idx"].tolist(), sup["text"], sup["cut"]):
            results.append((cut.id, text.split(), tokenizer.decode(hyps[i]).split()))
        logging.info(f"{method}: {len(results)}/{total} utterances | {progress.eta_str(len(results))}")
    return results
