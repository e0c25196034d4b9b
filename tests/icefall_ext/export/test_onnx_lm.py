"""The exported LSTM LM (sherpa-onnx's `lm`) gives PyTorch's sentence NLLs; the bigram FST (its
`lodr_fst`) has the back-off shape sherpa-onnx walks, and walking it as sherpa-onnx does
(lodr-fst.cc) gives the bigram's sentence log-probabilities; sherpa-onnx loads and uses both."""
import math
import random

import numpy as np
import onnx
import pytest
import torch

from icefall_ext.export.lodr_fst import write_lodr_fst
from icefall_ext.export.onnx_lm import check_rnn_lm_export, export_rnn_lm
from icefall_ext.export.onnx_transducer import export_transducer
from icefall_ext.lm.bigram import TokenBigram
from icefall_ext.lm.rnn_lm import RnnLm, RnnLmConfig
from icefall_ext.models.conformer import ConformerConfig

UTTERANCES = ["7_jackson_3", "0_george_1", "4_yweweler_2", "9_nicolas_0", "2_lucas_4"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, toy_transducer):
    out = tmp_path_factory.mktemp("onnx_lm")
    model = toy_transducer(ConformerConfig(d_model=32, num_layers=2, num_heads=4, feedforward_dim=64, dropout=0.0), out)
    export_transducer(model, out)
    v = model.vocab_size
    torch.manual_seed(1)
    lm = RnnLm(RnnLmConfig(embedding_dim=16, hidden_dim=16, num_layers=1), v).eval()
    with torch.no_grad():
        lm.output_linear.weight.mul_(4.0)  # a peaked LM, so that rescoring changes some choices
    rng = random.Random(0)
    bigram = TokenBigram.estimate([[rng.randrange(2, v) for _ in range(rng.randint(1, 6))] for _ in range(30)], v)
    export_rnn_lm(lm, out / "lm.onnx")
    write_lodr_fst(bigram, out / "lodr.fst")
    return model, lm, bigram, out


def test_onnx_lm_sentence_nll_equals_pytorch_and_has_rnnlm_metadata(exported):
    _, lm, _, out = exported
    assert check_rnn_lm_export(lm, out / "lm.onnx") < 1e-5
    meta = {p.key: p.value for p in onnx.load(str(out / "lm.onnx")).metadata_props}
    assert meta["model_type"] == "rnnlm" and meta["vocab_size"] == str(lm.vocab_size)


def fst_arcs(path):
    import kaldifst

    fst = kaldifst.StdVectorFst.read(str(path))
    arcs, finals = {}, {}
    for state in range(fst.num_states):
        arcs[state] = [(a.ilabel, a.olabel, float(a.weight.value), a.nextstate) for a in kaldifst.ArcIterator(fst, state)]
        finals[state] = float(fst.final(state).value)
    return fst.start, arcs, finals


def sherpa_walk(arcs, finals, tokens, backoff_id):
    """lodr-fst.cc's LodrStateCost: from state 0, each token read directly or after back-off
    arcs, the cheapest cost kept per state; the score adds the cheapest state's final cost."""
    costs = {0: 0.0}
    for token in tokens:
        nxt = {}
        for state, cost in costs.items():
            chain = [(state, cost)]
            while True:
                back = [a for a in arcs[chain[-1][0]] if a[0] == backoff_id]
                if not back:
                    break
                chain.append((back[0][3], chain[-1][1] + back[0][2]))
            for s, c in chain:
                for ilabel, _, w, ns in arcs[s]:
                    if ilabel == token:
                        nxt[ns] = min(nxt.get(ns, math.inf), c + w)
        costs = nxt
    state, cost = min(costs.items(), key=lambda kv: kv[1])
    return -(cost + finals[state])


def test_lodr_fst_is_the_bigram_in_back_off_form(exported):
    _, _, bigram, out = exported
    v = bigram.vocab_size
    start, arcs, finals = fst_arcs(out / "lodr.fst")
    assert start == 0 and len(arcs) == v + 1
    for state_arcs in arcs.values():
        assert [a[0] for a in state_arcs] == sorted(a[0] for a in state_arcs)  # sherpa-onnx bisects
        assert all((a[1] == 0) == (a[0] == v) for a in state_arcs)  # only back-off arcs output epsilon
    rng = random.Random(1)
    for tokens in [[], [3], [2, 2, 5]] + [[rng.randrange(1, v) for _ in range(5)] for _ in range(20)]:
        assert sherpa_walk(arcs, finals, tokens, v) == pytest.approx(bigram.sentence_log_prob(tokens), abs=1e-4)


def sherpa_decode(out, fsdd_subset, **lm_options):
    import sherpa_onnx
    from lhotse import Recording

    rec = sherpa_onnx.OfflineRecognizer.from_transducer(
        encoder=str(out / "encoder.onnx"), decoder=str(out / "decoder.onnx"), joiner=str(out / "joiner.onnx"),
        tokens=str(out / "tokens.txt"), num_threads=1, decoding_method="modified_beam_search", max_active_paths=4,
        **lm_options,
    )
    texts = []
    for name in UTTERANCES:
        audio = Recording.from_file(fsdd_subset / f"{name}.flac").resample(16000).load_audio()[0]
        stream = rec.create_stream()
        stream.accept_waveform(16000, np.concatenate([audio, audio, audio]))
        rec.decode_stream(stream)
        texts.append(stream.result.text.strip())
    return texts


def test_sherpa_onnx_reads_the_lm_and_the_lodr_fst(exported, fsdd_subset):
    """At a negligible scale the LM leaves sherpa-onnx's words as they are; at a large one it changes
    some, and the LODR FST (at lodr_scale * lm_scale) changes some more. Equality of the chosen words
    with our lm_rescore is not asserted here: a random toy model's beams are full of near ties that
    onnxruntime's rounding resolves differently; RESULTS.md compares them on trained models."""
    _, _, _, out = exported
    lm = {"lm": str(out / "lm.onnx")}
    plain = sherpa_decode(out, fsdd_subset)
    assert sherpa_decode(out, fsdd_subset, lm_scale=1e-6, **lm) == plain
    rescored = sherpa_decode(out, fsdd_subset, lm_scale=2.0, **lm)
    assert rescored != plain
    lodr = sherpa_decode(out, fsdd_subset, lm_scale=2.0, lodr_fst=str(out / "lodr.fst"), lodr_scale=-2.0, **lm)
    assert lodr != rescored
