import itertools
import math
from collections import defaultdict

import pytest
import torch

from icefall_ext.decoding.beam_search import modified_beam_search_batch, modified_beam_search_one
from icefall_ext.decoding.greedy_search import greedy_search_batch
from icefall_ext.decoding.search import SearchOptions, search_method
from icefall_ext.models.conformer import ConformerConfig
from icefall_ext.models.transducer import Transducer, TransducerConfig


def toy_model(vocab_size: int = 4, seed: int = 0) -> Transducer:
    torch.manual_seed(seed)
    cfg = TransducerConfig(
        encoder=ConformerConfig(num_features=16, d_model=16, num_layers=1, num_heads=2, feedforward_dim=32, dropout=0.0),
        decoder_dim=8,
        joiner_dim=8,
        ctc_loss_scale=0.0,
    )
    model = Transducer(cfg, vocab_size=vocab_size).eval()
    with torch.no_grad():  # sharpen the joiner so that decisions are not all blank
        model.joiner.output_linear.weight.mul_(6.0)
    return model


def frame_log_probs(model: Transducer, enc_t: torch.Tensor, ys: tuple) -> torch.Tensor:
    ctx = model.decoder.context_size
    context = torch.tensor([list(ys[-ctx:])])
    dec = model.decoder(context, need_pad=False)[:, -1]
    return model.joiner(enc_t.unsqueeze(0), dec).log_softmax(-1)[0]


@torch.no_grad()
def brute_force(model: Transducer, enc: torch.Tensor):
    """Every path of at most one symbol per frame, probabilities summed per output sequence;
    the best sequence by log_prob / len(ys), as icefall's get_most_probable(length_norm=True)."""
    blank, V = model.blank_id, model.vocab_size
    totals = defaultdict(lambda: -math.inf)
    for path in itertools.product(range(V), repeat=enc.shape[0]):
        ys, score = (-1, blank), 0.0
        for t, sym in enumerate(path):
            score += frame_log_probs(model, enc[t], ys)[sym].item()
            if sym != blank:
                ys = ys + (sym,)
        totals[ys] = float(torch.logaddexp(torch.tensor(totals[ys]), torch.tensor(score)))
    best = max(totals, key=lambda ys: totals[ys] / len(ys))
    return best, totals[best]


@torch.no_grad()
def reference_greedy(model: Transducer, enc: torch.Tensor):
    ys = (-1, model.blank_id)
    for t in range(enc.shape[0]):
        sym = int(frame_log_probs(model, enc[t], ys).argmax())
        if sym != model.blank_id:
            ys = ys + (sym,)
    return list(ys[model.decoder.context_size :])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_modified_beam_search_with_wide_beam_equals_brute_force(seed):
    model = toy_model(seed=seed)
    enc = torch.randn(4, 16, generator=torch.Generator().manual_seed(seed))
    best_ys, best_score = brute_force(model, enc)
    hyps = modified_beam_search_one(model, enc, beam=4**4)
    assert hyps[0].ys == best_ys
    assert hyps[0].log_prob == pytest.approx(best_score, abs=1e-4)


def test_search_starts_from_the_context_training_used():
    """Training left-pads the decoder with zeros before blank; the searches' first context
    must give the same decoder output (a context of two blanks does not)."""
    model = toy_model(seed=5)
    trained_first = model.decoder(torch.tensor([[model.blank_id]]), need_pad=True)[:, 0]
    start = torch.tensor([model.decoder.initial_context()])
    assert torch.equal(model.decoder(start, need_pad=False)[:, -1], trained_first)
    two_blanks = torch.full_like(start, model.blank_id)
    assert not torch.allclose(model.decoder(two_blanks, need_pad=False)[:, -1], trained_first)


def test_greedy_batch_equals_per_utterance_reference():
    model = toy_model(seed=3)
    enc = torch.randn(3, 7, 16, generator=torch.Generator().manual_seed(3))
    lens = torch.tensor([7, 4, 6])
    batch = greedy_search_batch(model, enc, lens)
    for i in range(3):
        assert batch[i] == reference_greedy(model, enc[i, : lens[i]])


@pytest.mark.parametrize("seed,vocab_size,beam", [(0, 4, 4), (1, 30, 4), (2, 100, 8), (3, 30, 1), (4, 5, 64)])
def test_batched_modified_beam_search_equals_per_utterance(seed, vocab_size, beam):
    """icefall's batched modified_beam_search keeps per-utterance hypothesis lists: each utterance's
    final beam (token sequences, their order) is the one the per-utterance search finds; the scores
    agree to float32 rounding (a matrix product over more rows may round differently)."""
    model = toy_model(vocab_size, seed)
    g = torch.Generator().manual_seed(seed)
    enc = torch.randn(6, 20, 16, generator=g)
    lens = torch.tensor([20, 0, 13, 1, 20, 7])  # ragged, with an empty utterance
    batch = modified_beam_search_batch(model, enc, lens, beam)
    for i in range(6):
        one = modified_beam_search_one(model, enc[i, : lens[i]], beam)
        assert [h.ys for h in batch[i]] == [h.ys for h in one]
        assert [h.log_prob for h in batch[i]] == pytest.approx([h.log_prob for h in one], rel=1e-5)
    ctx = model.decoder.context_size
    assert search_method("modified_beam_search")(model, enc, lens, SearchOptions(beam)) == [list(h[0].ys[ctx:]) for h in batch]
