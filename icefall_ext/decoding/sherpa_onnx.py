"""Decoding cut sets from their audio with an exported model through sherpa-onnx's OfflineRecognizer,
so that features, search and tokens are sherpa-onnx's own, as on a device."""
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import sherpa_onnx
from lhotse import CutSet

from icefall_ext.decoding.scoring import Result, Rtf
from icefall_ext.tokens.bpe import recognised_words
from recipe_common.errors import InputError


def make_recognizer(onnx_dir: Path, method: str, beam: int, num_threads: int = 1,
                    scales: Optional[Dict[str, float]] = None) -> "sherpa_onnx.OfflineRecognizer":
    """scales: those of an LM-rescoring method (decoding/lm_rescore.py), read from ONNX_DIR/lm.onnx
    (lm_scale) and ONNX_DIR/lodr.fst (lodr_scale), as bin/export_lm_onnx.py writes them; sherpa-onnx
    then runs modified beam search and rescores its final beam."""
    scales = scales or {}
    if method == "ctc_greedy_search":
        return ctc_recognizer(onnx_dir, num_threads)
    files = {name: onnx_dir / f"{name}.onnx" for name in ("encoder", "decoder", "joiner")}
    files["tokens"] = onnx_dir / "tokens.txt"
    if "lm_scale" in scales:
        files["lm"] = onnx_dir / "lm.onnx"
    if "lodr_scale" in scales:
        files["lodr_fst"] = onnx_dir / "lodr.fst"
    for path in files.values():
        if not path.is_file():
            raise InputError(f"{path}: does not exist (run the export stage first)")
    lm_options = {}
    if "lm" in files:
        lm_options = {"lm": str(files["lm"]), "lm_scale": scales["lm_scale"]}
    if "lodr_fst" in files:
        lm_options.update(lodr_fst=str(files["lodr_fst"]), lodr_scale=scales["lodr_scale"])
    return sherpa_onnx.OfflineRecognizer.from_transducer(
        encoder=str(files["encoder"]),
        decoder=str(files["decoder"]),
        joiner=str(files["joiner"]),
        tokens=str(files["tokens"]),
        num_threads=num_threads,
        sample_rate=16000,
        feature_dim=80,
        decoding_method="modified_beam_search" if lm_options else method,
        max_active_paths=beam,
        **lm_options,
    )


def ctc_recognizer(onnx_dir: Path, num_threads: int = 1) -> "sherpa_onnx.OfflineRecognizer":
    """sherpa-onnx's CTC recogniser (greedy) on ONNX_DIR/ctc.onnx (export/onnx_ctc.py)."""
    files = {"model": onnx_dir / "ctc.onnx", "tokens": onnx_dir / "tokens.txt"}
    for path in files.values():
        if not path.is_file():
            raise InputError(f"{path}: does not exist (run the export stage on a model with a CTC head)")
    return sherpa_onnx.OfflineRecognizer.from_zipformer_ctc(
        model=str(files["model"]), tokens=str(files["tokens"]), num_threads=num_threads, sample_rate=16000,
        feature_dim=80, decoding_method="greedy_search",
    )


def decode_with_sherpa(recognizer, cuts: CutSet, num_threads: int = 1) -> Tuple[List[Result], Rtf]:
    """(results, timing); audio is loaded before the clock starts."""
    results: List[Result] = []
    elapsed = audio_seconds = 0.0
    for cut in cuts:
        samples = cut.load_audio()[0]
        start = time.perf_counter()
        stream = recognizer.create_stream()
        stream.accept_waveform(cut.sampling_rate, samples)
        recognizer.decode_stream(stream)
        elapsed += time.perf_counter() - start
        audio_seconds += cut.duration
        results.append((cut.id, cut.supervisions[0].text.split(), recognised_words(stream.result.text)))
    return results, Rtf(elapsed, audio_seconds, num_threads)
