"""A data set through an HCLG at each LM weight into icefall's result files: recogs-*, rtf-* and
Kaldi's CTM of the word times (the LM-weight sweep re-decodes: there are no lattices to rescore)."""
import logging
import time
from pathlib import Path
from typing import Dict, List, Sequence, Set

import numpy as np

from icefall_ext.decoding.scoring import Rtf, write_recogs, write_rtf
from icefall_ext.hybrid.decode import HclgDecoder, decode_gmm
from icefall_ext.hybrid.word_times import ctm_lines, word_times
from recipe_common.io import write_text_atomic

FRAME_SHIFT_S = 0.01


def decode_set(decoder: HclgDecoder, model, feats: Dict[str, np.ndarray], text: Dict[str, List[str]],
               words: Dict[int, str], prons: Dict[int, List[List[int]]], silence: Set[int],
               lm_weights: Sequence[float], non_scoring: Set[str], decode_dir: Path, set_name: str) -> None:
    """One result name per weight: <set_name>-lmwt-<W>; non-scoring words are left out of both sides."""
    audio_s = sum(len(x) for x in feats.values()) * FRAME_SHIFT_S
    for lmwt in lm_weights:
        start = time.time()
        hyps = decode_gmm(decoder, model, feats, 1.0 / lmwt)
        elapsed = time.time() - start
        failed = [u for u, h in hyps.items() if not h.ok]
        if failed:
            logging.warning(f"LMWT {lmwt:g}: {len(failed)} utterance(s) without a full path (partial output used)")
        results = [(u, [w for w in text.get(u, []) if w not in non_scoring],
                    [words[i] for i in hyps[u].word_ids if words[i] not in non_scoring]) for u in sorted(hyps)]
        name = f"{set_name}-lmwt-{lmwt:g}"
        write_recogs(Path(decode_dir) / f"recogs-{name}.txt", results)
        ctm = [line for u in sorted(hyps) if hyps[u].ok for line in ctm_lines(
            u, word_times(model.hmm, hyps[u].alignment, hyps[u].word_ids, prons, silence), words, FRAME_SHIFT_S,
            non_scoring)]
        write_text_atomic(Path(decode_dir) / f"ctm-{name}.txt", "".join(f"{line}\n" for line in ctm))
        write_rtf(Path(decode_dir) / f"rtf-{name}.txt", Rtf(elapsed, audio_s, 1))
        logging.info(f"{name}: {len(results)} utterances, RTF {elapsed / max(audio_s, 1e-9):.4f}")
