"""Endpoint detection metrics (issue: streaming with end-of-sentence endpointing; SURT-EP, Lu et
al. arXiv 2201.09979): per utterance, the endpoint time an endpointer chose (the <eos> emission,
or a rule of sherpa-onnx's) against the reference end of the last word.

- latency = endpoint time - reference end of the last word (negative: early), over the
  utterances with an endpoint; its median and 90th percentile (numpy's linear interpolation);
- early-cutoff rate: utterances whose endpoint comes before the last word ends, over all;
- WER with endpointing: the words recognised before the endpoint against the whole reference,
  so words lost to an early endpoint count as deletions;
- no-endpoint rate: utterances where no endpoint was detected before the audio ended.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import kaldialign
import numpy as np


@dataclass
class Endpointed:
    cut_id: str
    ref_words: List[str]
    hyp_words: List[str]  # recognised before the endpoint
    ref_end: float  # seconds: the end of the reference's last word
    endpoint: Optional[float]  # seconds; None: none detected
    dropped_words: int = 0  # recognised after the endpoint (EOS: after the <eos>), not in hyp_words


def endpoint_metrics(results: Sequence[Endpointed]) -> Dict[str, float]:
    if not results:
        raise ValueError("no utterances to score")
    latencies = np.array([r.endpoint - r.ref_end for r in results if r.endpoint is not None])
    errors = sum(kaldialign.edit_distance(r.ref_words, r.hyp_words)["total"] for r in results)
    words = sum(len(r.ref_words) for r in results)
    return {
        "latency_p50": float(np.percentile(latencies, 50)) if latencies.size else float("nan"),
        "latency_p90": float(np.percentile(latencies, 90)) if latencies.size else float("nan"),
        "early_cutoff_rate": float((latencies < 0).sum()) / len(results),
        "no_endpoint_rate": sum(r.endpoint is None for r in results) / len(results),
        "wer": 100.0 * errors / max(words, 1),
        "dropped_words": float(sum(r.dropped_words for r in results)),
        "utterances": float(len(results)),
    }
