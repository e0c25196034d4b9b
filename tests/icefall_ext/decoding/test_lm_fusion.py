"""LM fusion in modified beam search: every method is plain modified beam search at scale 0
(the same hypotheses, the same scores); with a beam wide enough to keep every hypothesis the fused
scores are the plain ones plus the scaled LM log-prob of each emitted token; a uniform bigram in
LODR is a constant per token; a method without its LM, and an empty scale grid, are one line."""
import math

import pytest
import torch

from icefall_ext.decoding.beam_search import modified_beam_search_batch
from icefall_ext.decoding.lm_fusion import BigramFusion, InternalLmFusion, LmFusion, SumFusion
from icefall_ext.decoding.search import SearchOptions, check_options, scale_grid, search_method
from icefall_ext.lm.bigram import TokenBigram
from icefall_ext.lm.rnn_lm import SOS_EOS_ID, RnnLm, RnnLmConfig
from icefall_ext.models.conformer import ConformerConfig
from icefall_ext.models.transducer import Transducer, TransducerConfig
from recipe_common.errors import InputError

V = 5


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    cfg = TransducerConfig(
        encoder=ConformerConfig(num_features=16, d_model=16, num_layers=1, num_heads=2, feedforward_dim=32, dropout=0.0),
        decoder_dim=8, joiner_dim=8, ctc_loss_scale=0.0)
    model = Transducer(cfg, vocab_size=V).eval()
    with torch.no_grad():
        model.joiner.output_linear.weight.mul_(6.0)
    lm = RnnLm(RnnLmConfig(embedding_dim=8, hidden_dim=8, num_layers=1), V).eval()
    with torch.no_grad():
        lm.output_linear.weight.mul_(5.0)
    bigram = TokenBigram.estimate([[1, 2, 3], [2, 4], [3, 3, 1]], V)
    g = torch.Generator().manual_seed(1)
    return model, lm, bigram, torch.randn(4, 12, 16, generator=g), torch.tensor([12, 5, 9, 1])


FUSION_METHODS = ["modified_beam_search_lm_shallow_fusion", "modified_beam_search_ILME", "modified_beam_search_LODR"]


@pytest.mark.parametrize("method", FUSION_METHODS)
def test_each_fusion_method_at_scale_0_is_plain_modified_beam_search(setup, method):
    model, lm, bigram, enc, lens = setup
    plain = search_method("modified_beam_search")(model, enc, lens, SearchOptions(beam=4))
    fused = search_method(method)(model, enc, lens, SearchOptions(beam=4, lm=lm, bigram=bigram))
    assert fused == plain
    zero = SumFusion([LmFusion(lm, 0.0), InternalLmFusion(model, -0.0), BigramFusion(bigram, 0.0)])
    for a, b in zip(modified_beam_search_batch(model, enc, lens, 4), modified_beam_search_batch(model, enc, lens, 4,
                                                                                                  fusion=zero)):
        assert [(h.ys, h.log_prob) for h in a] == [(h.ys, h.log_prob) for h in b]


@torch.no_grad()
def lm_log_prob(lm: RnnLm, tokens) -> float:
    """log P_LM of the tokens after the sentence start (no sentence end)."""
    log_probs, state = lm.step(torch.tensor([SOS_EOS_ID]), lm.initial_state(1))
    total = 0.0
    for t in tokens:
        total += log_probs[0, t].item()
        log_probs, state = lm.step(torch.tensor([t]), state)
    return total


def test_with_every_hypothesis_kept_the_fused_score_adds_the_lm_score_of_each_emitted_token(setup):
    model, lm, bigram, enc, _ = setup
    enc, lens, ctx = enc[:1, :3], torch.tensor([3]), model.decoder.context_size
    wide = V**3 * 2
    plain = {h.ys: h.log_prob for h in modified_beam_search_batch(model, enc, lens, wide)[0]}
    fused = {h.ys: h.log_prob for h in modified_beam_search_batch(model, enc, lens, wide, fusion=LmFusion(lm, 0.5))[0]}
    assert set(plain) == set(fused) and len(plain) > 10
    for ys, score in plain.items():
        assert fused[ys] == pytest.approx(score + 0.5 * lm_log_prob(lm, ys[ctx:]), abs=1e-4)


def test_lodr_with_a_uniform_bigram_is_shallow_fusion_plus_a_constant_per_token(setup):
    """log P = -log V for every token: LODR adds lodr_scale * -log V per emitted token, nothing else
    (the hypotheses may rank differently, as with any insertion bonus, so all are kept here)."""
    model, lm, _, enc, _ = setup
    enc, lens, ctx = enc[:1, :3], torch.tensor([3]), model.decoder.context_size
    uniform = TokenBigram.from_log_probs(torch.full((V, V), -math.log(V)))
    wide = V**3 * 2
    sf = {h.ys: h.log_prob for h in modified_beam_search_batch(model, enc, lens, wide, fusion=LmFusion(lm, 0.3))[0]}
    lodr = SumFusion([LmFusion(lm, 0.3), BigramFusion(uniform, -0.2)])
    got = {h.ys: h.log_prob for h in modified_beam_search_batch(model, enc, lens, wide, fusion=lodr)[0]}
    assert set(got) == set(sf)
    for ys, score in sf.items():
        assert got[ys] == pytest.approx(score + 0.2 * math.log(V) * len(ys[ctx:]), abs=1e-4)


def test_a_fusion_method_without_its_lm_and_an_empty_grid_are_one_line(setup):
    model, lm, _, _, _ = setup
    with pytest.raises(InputError, match="needs an LM"):
        check_options(["modified_beam_search_ILME"], SearchOptions())
    with pytest.raises(InputError, match="needs a token bigram"):
        check_options(["modified_beam_search_LODR"], SearchOptions(lm=lm))
    check_options(["modified_beam_search", "modified_beam_search_ILME"], SearchOptions(lm=lm))
    grids = {"lm_scale": [0.1, 0.2], "ilme_scale": [0.0], "lodr_scale": [-0.1]}
    assert scale_grid("modified_beam_search_ILME", grids) == [{"lm_scale": 0.1, "ilme_scale": 0.0},
                                                              {"lm_scale": 0.2, "ilme_scale": 0.0}]
    assert scale_grid("greedy_search", grids) == [{}]
    with pytest.raises(InputError, match="--lodr-scale: empty scale grid"):
        scale_grid("modified_beam_search_LODR", {**grids, "lodr_scale": []})


RESCORE_METHODS = ["modified_beam_search_lm_rescore", "modified_beam_search_lm_rescore_LODR"]


@pytest.mark.parametrize("method", RESCORE_METHODS)
def test_lm_rescoring_at_scale_0_is_plain_modified_beam_search(setup, method):
    model, lm, bigram, enc, lens = setup
    plain = search_method("modified_beam_search")(model, enc, lens, SearchOptions(beam=4))
    assert search_method(method)(model, enc, lens, SearchOptions(beam=4, lm=lm, bigram=bigram, lodr_scale=-0.5)) == plain


@pytest.mark.parametrize("lodr_scale", [0.0, -0.5])
def test_lm_rescoring_picks_the_best_of_the_final_beam_by_sherpa_onnx_score(setup, lodr_scale):
    """(log_prob + lodr_scale * lm_scale * log P_bigram(ys, end) + lm_scale * log P_LM(ys, end)) / len(ys),
    computed here token by token with lm.step; some choice must differ from plain search."""
    model, lm, bigram, enc, lens = setup
    lm_scale, ctx = 1.5, model.decoder.context_size
    options = SearchOptions(beam=4, lm=lm, bigram=bigram, lm_scale=lm_scale, lodr_scale=lodr_scale)
    method = RESCORE_METHODS[lodr_scale != 0.0]
    chosen = search_method(method)(model, enc, lens, options)
    plain = search_method("modified_beam_search")(model, enc, lens, SearchOptions(beam=4))
    assert chosen != plain
    for hyps, best in zip(modified_beam_search_batch(model, enc, lens, 4), chosen):
        def score(h):
            tokens = list(h.ys[ctx:])
            lm_total = lm_log_prob(lm, tokens + [SOS_EOS_ID])
            lodr = sum(bigram.log_prob(torch.tensor(a), torch.tensor(b)).item()
                       for a, b in zip([SOS_EOS_ID] + tokens, tokens + [SOS_EOS_ID]))
            return (h.log_prob + lodr_scale * lm_scale * lodr + lm_scale * lm_total) / len(h.ys)
        assert list(max(hyps, key=score).ys[ctx:]) == best
