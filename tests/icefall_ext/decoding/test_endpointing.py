"""End-of-sentence pieces: the latency penalty is zero within the buffer around the reference end
frame and grows linearly on each side at its own weight, and it raises the RNN-T loss of the
transcript only through the last label's emissions; the Viterbi forced alignment finds the best
path by enumeration; the endpoint metrics on hand-made cases."""
import itertools
import math

import pytest
import torch

from icefall_ext.decoding.alignment import viterbi_emission_frames
from icefall_ext.decoding.endpoint_metrics import Endpointed, endpoint_metrics
from icefall_ext.losses.eos_latency import EosPenaltyConfig, eos_emission_penalty
from icefall_ext.losses.rnnt_loss import rnnt_loss
from icefall_ext.models.subsampling import LOOKAHEAD_FRAMES


def test_the_penalty_is_zero_near_the_reference_end_and_linear_on_each_side():
    cfg = EosPenaltyConfig(late_scale=0.5, early_scale=2.0, buffer_frames=1)
    pen = eos_emission_penalty(10, torch.tensor([4, 0]), cfg)
    assert pen[0].tolist() == [6.0, 4.0, 2.0, 0.0, 0.0, 0.0, 0.5, 1.0, 1.5, 2.0]
    assert pen[1].tolist() == [0.0, 0.0] + [0.5 * k for k in range(1, 9)]
    assert eos_emission_penalty(10, torch.tensor([4]), EosPenaltyConfig()).abs().sum() == 0
    with pytest.raises(ValueError, match="late_scale must be >= 0"):
        EosPenaltyConfig(late_scale=-1.0)


def enumerated_log_likelihood(log_probs, labels, penalty):
    """log sum over every alignment, the last label's emission at frame t charged penalty[t]."""
    T, U = log_probs.shape[0], len(labels)
    scores = []
    for frames in itertools.combinations_with_replacement(range(T), U):
        score, u = 0.0, 0
        for t in range(T):
            while u < U and frames[u] == t:
                score += log_probs[t, u, labels[u]].item() - (penalty[t].item() if u == U - 1 else 0.0)
                u += 1
            score += log_probs[t, u, 0].item()
        scores.append(score)
    return torch.logsumexp(torch.tensor(scores, dtype=torch.float64), 0).item()


def test_the_penalty_charges_the_last_labels_emissions_as_enumeration_says():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 6, 4, 5, generator=g)
    targets = torch.tensor([[1, 2, 3], [4, 2, 0]])
    lens, tlens = torch.tensor([6, 5]), torch.tensor([3, 2])
    pen = eos_emission_penalty(6, torch.tensor([2, 3]), EosPenaltyConfig(late_scale=1.0, early_scale=0.5, buffer_frames=0))
    penalised = rnnt_loss(logits, targets, lens, tlens, reduction="none", last_label_penalty=pen)
    assert (penalised > rnnt_loss(logits, targets, lens, tlens, reduction="none")).all()
    for b in range(2):
        t, u = int(lens[b]), int(tlens[b])
        log_probs = logits[b, :t, : u + 1].log_softmax(-1)
        assert -penalised[b].item() == pytest.approx(enumerated_log_likelihood(log_probs, targets[b, :u].tolist(), pen[b]), abs=1e-4)


def test_viterbi_alignment_is_the_best_path_by_enumeration():
    g = torch.Generator().manual_seed(1)
    T, U = 5, 3
    blank = torch.randn(T, U + 1, generator=g)
    emit = torch.randn(T, U, generator=g)
    best, best_frames = -math.inf, None
    for frames in itertools.combinations_with_replacement(range(T), U):
        score, u = 0.0, 0
        for t in range(T):
            while u < U and frames[u] == t:
                score, u = score + emit[t, u].item(), u + 1
            score += blank[t, u].item()
        if score > best:
            best, best_frames = score, list(frames)
    assert viterbi_emission_frames(blank, emit) == best_frames


def test_endpoint_metrics_on_hand_made_cases():
    results = [
        Endpointed("a", ["ONE", "TWO"], ["ONE", "TWO"], ref_end=1.0, endpoint=1.2),
        Endpointed("b", ["THREE"], ["THREE"], ref_end=2.0, endpoint=2.6),
        Endpointed("c", ["FOUR", "FIVE"], ["FOUR"], ref_end=1.5, endpoint=1.1),  # cut early: FIVE deleted
        Endpointed("d", ["SIX"], ["SIX"], ref_end=0.5, endpoint=None),
    ]
    m = endpoint_metrics(results)
    assert m["latency_p50"] == pytest.approx(0.2)  # of 0.2, 0.6, -0.4
    assert m["latency_p90"] == pytest.approx(0.52)  # linear interpolation between 0.2 and 0.6
    assert m["early_cutoff_rate"] == pytest.approx(0.25) and m["no_endpoint_rate"] == pytest.approx(0.25)
    assert m["wer"] == pytest.approx(100 * 1 / 6)
    with pytest.raises(ValueError):
        endpoint_metrics([])


def eos_tokenizer(tmp_path):
    from icefall_ext.tokens.bpe import Tokenizer, train_bpe_model

    train_bpe_model(["ONE TWO", "THREE FOUR FIVE", "SIX SEVEN", "EIGHT NINE ZERO"] * 20, tmp_path / "bpe.model",
                    vocab_size=30, eos=True)
    return Tokenizer(tmp_path / "bpe.model")


def test_decoding_stops_at_the_first_eos_and_counts_the_words_after_it(tmp_path):
    from icefall_ext.decoding.eos_endpoint import cut_at_eos

    tok = eos_tokenizer(tmp_path)
    one, two = tok.encode("ONE")[:-1], tok.encode("TWO")[:-1]
    tokens = one + [tok.eos_id] + two + [tok.eos_id]
    frames = list(range(3, 3 + len(tokens)))
    d = cut_at_eos(tokens, frames, tok.eos_id, tok)
    assert d.tokens == one and d.endpoint_frame == frames[len(one)] and d.dropped_words == 1
    none = cut_at_eos(one + two, frames[: len(one + two)], tok.eos_id, tok)
    assert none.endpoint_frame is None and none.dropped_words == 0 and none.tokens == one + two


def test_endpoint_batch_times_the_eos_emission_against_the_reference_ends(tmp_path):
    from icefall_ext.decoding.eos_endpoint import endpoint_batch
    from icefall_ext.models.conformer import ConformerConfig
    from icefall_ext.models.transducer import Transducer, TransducerConfig

    tok = eos_tokenizer(tmp_path)
    torch.manual_seed(0)
    cfg = TransducerConfig(encoder=ConformerConfig(num_features=8, d_model=16, num_layers=1, num_heads=2,
                                                   feedforward_dim=32, dropout=0.0, causal=True, chunk_sizes=[2]),
                           decoder_dim=8, joiner_dim=8)
    model = Transducer(cfg, vocab_size=tok.vocab_size).eval()
    with torch.no_grad():
        model.joiner.output_linear.bias[tok.eos_id] = 50.0  # <eos> at the first frame
    feats, lens = torch.randn(2, 60, 8), torch.tensor([60, 40])
    out = endpoint_batch(model, tok, feats, lens, ["ONE TWO", "SIX"], [0.5, 0.02], ["a", "b"], chunk_size=2)
    # the first chunk (2 encoder frames, 80 ms) and the look-ahead decode the <eos> of frame 0
    stream_end = (2 * 4 + LOOKAHEAD_FRAMES) * 0.01
    assert [r.cut_id for r in out] == ["a", "b"] and all(r.endpoint == pytest.approx(stream_end) for r in out)
    assert all(r.hyp_words == [] for r in out) and [r.ref_words for r in out] == [["ONE", "TWO"], ["SIX"]]
    assert [r.ref_end for r in out] == [0.5, 0.02] and all(r.dropped_words == 0 for r in out)
    assert endpoint_metrics(out)["early_cutoff_rate"] == pytest.approx(0.5)  # a: before its last word ends


def test_the_eos_is_timed_at_the_end_of_the_audio_that_decodes_its_chunk():
    from icefall_ext.decoding.eos_endpoint import stream_time

    assert stream_time(0, 8) == stream_time(7, 8) == pytest.approx((32 + LOOKAHEAD_FRAMES) * 0.01)
    assert stream_time(8, 8) == pytest.approx((64 + LOOKAHEAD_FRAMES) * 0.01)
