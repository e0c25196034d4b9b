"""One-best decoding with an HCLG: kaldi-hmm-gmm's LatticeFasterDecoder over per-frame scores.

The decoder, its graph, and the decodable's models are held by this object and the call: the
bindings keep raw pointers, and a graph collected before decoding crashes the process."""
from dataclasses import dataclass
from typing import Dict, List

import numpy as np

from icefall_ext.hybrid.hmm import HmmModel
from icefall_ext.hybrid.kaldi import kaldifst, khg


@dataclass
class Hypothesis:
    ok: bool
    word_ids: List[int]
    alignment: List[int]
    likelihood: float


class HclgDecoder:
    def __init__(self, hclg: "kaldifst.StdVectorFst", model: HmmModel, beam: float = 13.0, max_active: int = 7000,
                 lattice_beam: float = 6.0):
        """Kaldi's decode.sh defaults (beam 13, lattice beam 6, max-active 7000)."""
        self.hclg, self.model = hclg, model
        self.config = khg.LatticeFasterDecoderConfig()
        self.config.beam, self.config.max_active, self.config.lattice_beam = beam, max_active, lattice_beam
        self.decoder = khg.LatticeFasterDecoder(self.hclg, self.config)

    def decode(self, decodable: "khg.DecodableInterface", utt: str = "utt") -> Hypothesis:
        ok, alignment, words, likelihood = khg.decode_utterance_lattice_faster(
            self.decoder, decodable, self.model.trans_model, utt, True)
        return Hypothesis(bool(ok), [w for w in words if w != 0], list(alignment), float(likelihood))

    def decode_pdf_scores(self, pdf_scores: np.ndarray, utt: str = "utt") -> Hypothesis:
        """Scores (T, num_pdfs), already scaled (acoustic scale x log-likelihood), e.g. a DNN's
        log-posterior minus log-prior; DecodableCtc reads column transition-id - 1."""
        matrix = np.ascontiguousarray(pdf_scores[:, self.model.tid_to_pdf[1:]], dtype=np.float32)
        decodable = khg.DecodableCtc(matrix)
        return self.decode(decodable, utt)


def decode_gmm(decoder: HclgDecoder, model, feats: Dict[str, np.ndarray], acoustic_scale: float) -> Dict[str, Hypothesis]:
    """gmm-latgen-faster's one-best: every utterance through the HCLG at one acoustic scale. An
    utterance with no surviving path (allow_partial gives a partial one) is returned with ok False."""
    out = {}
    for utt, x in feats.items():
        decodable = model.decodable(x, acoustic_scale)  # kept alive by this frame until decoded
        out[utt] = decoder.decode(decodable, utt)
    return out
