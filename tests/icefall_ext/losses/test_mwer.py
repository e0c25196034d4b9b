"""MWER: with the N-best holding every hypothesis a toy model can give, the loss is the expected
word-error risk computed by enumerating hypotheses and alignments by hand; its gradient matches
finite differences; subtracting the mean risk changes no gradient; MWER-ILME at ilme_scale 0 is
MWER-SF and MWER-SF at lm_scale 0 is MWER; the search runs without gradient; bad settings and
references with no words are one line."""
import itertools
import math

import pytest
import torch

from icefall_ext.lm.rnn_lm import RnnLm, RnnLmConfig
from icefall_ext.losses import mwer as mwer_module
from icefall_ext.asr_config import MwerConfig
from icefall_ext.decoding.beam_search import Hypothesis
from icefall_ext.losses.mwer import MwerLoss, expected_risk, word_errors
from icefall_ext.models.conformer import ConformerConfig
from icefall_ext.models.transducer import Transducer, TransducerConfig
from recipe_common.errors import InputError

WORDS = {2: "A", 3: "B"}  # 0 blank, 1 <unk>


class ToyTokenizer:
    blank_id, unk_id, vocab_size = 0, 1, 4

    def encode(self, text):
        return [{w: i for i, w in WORDS.items()}[w] for w in text.split()]

    def decode(self, ids):
        return " ".join(WORDS[i] for i in ids if i in WORDS)


@pytest.fixture
def toy():
    torch.manual_seed(0)
    cfg = TransducerConfig(
        encoder=ConformerConfig(num_features=8, subsampling_channels=4, d_model=8, num_layers=1, num_heads=2,
                                feedforward_dim=16, cnn_module_kernel=3, dropout=0.0),
        decoder_dim=8, joiner_dim=8, ctc_loss_scale=0.0)
    model = Transducer(cfg, vocab_size=4).double()
    with torch.no_grad():
        model.joiner.output_linear.weight.mul_(3.0)
    feats = torch.randn(2, 11, 8, dtype=torch.float64)  # two encoder frames each
    batch = {"inputs": feats, "supervisions": {
        "sequence_idx": torch.tensor([0, 1]), "start_frame": torch.tensor([0, 0]), "num_frames": torch.tensor([11, 11]),
        "text": ["A B", "B"]}}
    return model, batch


def alignment_log_likelihood(model, enc, ys):
    """log sum over every alignment of ys (blank advances a frame, a token a label) of its product."""
    dec = model.forward_decoder(torch.tensor([ys or [-1]]))[0, : len(ys) + 1]
    log_probs = model.joiner(enc.unsqueeze(1), dec.unsqueeze(0)).log_softmax(-1)  # (T, U+1, V)
    T, U = enc.shape[0], len(ys)
    total = []
    for emit_frames in itertools.combinations_with_replacement(range(T), U):  # the frame each token is emitted at
        lp, u = 0.0, 0
        for t in range(T):
            while u < U and emit_frames[u] == t:
                lp, u = lp + log_probs[t, u, ys[u]], u + 1
            lp = lp + log_probs[t, u, 0]
        total.append(lp)
    return torch.logsumexp(torch.stack(total), 0)


def test_the_loss_is_the_expected_risk_over_every_hypothesis_enumerated_by_hand(toy):
    model, batch = toy
    model.eval()
    loss_fn = MwerLoss(MwerConfig(nbest=16, rnnt_scale=0.0), ToyTokenizer(), torch.device("cpu"))
    loss, frames = loss_fn(model, batch)
    enc, lens = model.forward_encoder(batch["inputs"], torch.tensor([11, 11]))
    assert lens.tolist() == [2, 2] and int(frames) == 4
    expected = 0.0
    for b, ref in enumerate(["A B", "B"]):
        # one symbol per frame at most: every sequence of 0..2 tokens over A, B and <unk>
        hyps = [list(s) for n in range(3) for s in itertools.product([1, 2, 3], repeat=n)]
        scores = torch.stack([alignment_log_likelihood(model, enc[b, : lens[b]], h) for h in hyps])
        errors = torch.tensor([float(word_errors(ref.split(), ToyTokenizer().decode(h).split())) for h in hyps])
        posteriors = scores.softmax(0)
        expected += float((posteriors * (errors - errors.mean())).sum())
    assert loss.item() == pytest.approx(expected, abs=1e-8)


def test_the_gradient_matches_finite_differences(toy):
    model, batch = toy
    model.eval()
    loss_fn = MwerLoss(MwerConfig(nbest=16, rnnt_scale=0.5), ToyTokenizer(), torch.device("cpu"))
    bias = model.joiner.output_linear.bias
    loss_fn(model, batch)[0].backward()
    eps = 1e-6
    for k in range(4):
        with torch.no_grad():
            bias[k] += eps
            up = loss_fn(model, batch)[0].item()
            bias[k] -= 2 * eps
            down = loss_fn(model, batch)[0].item()
            bias[k] += eps
        assert bias.grad[k].item() == pytest.approx((up - down) / (2 * eps), rel=1e-4, abs=1e-7)


def test_subtracting_the_mean_risk_changes_no_gradient():
    scores = torch.randn(5, dtype=torch.float64, requires_grad=True)
    errors = torch.tensor([0.0, 1.0, 3.0, 1.0, 2.0], dtype=torch.float64)
    grads = []
    for subtract in (True, False):
        (g,) = torch.autograd.grad(expected_risk(scores, errors, 0.7, subtract), scores)
        grads.append(g)
    assert torch.allclose(grads[0], grads[1])


def test_mwer_ilme_at_ilme_scale_0_is_mwer_sf_and_mwer_sf_at_lm_scale_0_is_mwer(toy):
    model, batch = toy
    model.eval()
    torch.manual_seed(1)
    lm = RnnLm(RnnLmConfig(embedding_dim=4, hidden_dim=4, num_layers=1), 4).double().eval()
    tok, cpu = ToyTokenizer(), torch.device("cpu")

    def value(**kw):
        return MwerLoss(MwerConfig(nbest=4, **kw), tok, cpu, lm)(model, batch)[0].item()

    assert value(method="mwer_ilme", lm_scale=0.4, ilme_scale=0.0) == pytest.approx(value(method="mwer_sf", lm_scale=0.4))
    assert value(method="mwer_sf", lm_scale=0.0) == pytest.approx(value(method="mwer"))
    assert value(method="mwer_ilme", lm_scale=0.4, ilme_scale=0.3) != pytest.approx(value(method="mwer_sf", lm_scale=0.4))


def test_the_nbest_is_searched_without_gradient(toy, monkeypatch):
    model, batch = toy
    searched = []

    def search(*args, **kwargs):
        searched.append(torch.is_grad_enabled())
        return real(*args, **kwargs)

    real = mwer_module.modified_beam_search_batch
    monkeypatch.setattr(mwer_module, "modified_beam_search_batch", search)
    loss, _ = MwerLoss(MwerConfig(nbest=4), ToyTokenizer(), torch.device("cpu"))(model, batch)
    assert searched == [False] and loss.requires_grad and model.training


def test_degenerate_nbest_lists_are_counted_and_give_no_mwer_gradient(toy, monkeypatch):
    """An N-best of one hypothesis, or of hypotheses with equal word errors, is degenerate: counted,
    and its risk is zero whatever the scores; one with different errors is not."""
    model, batch = toy
    model.eval()
    ctx = tuple(model.decoder.initial_context())  # stripped by the loss
    lists = iter([
        [[Hypothesis(ctx + (2, 3), 0.0), Hypothesis(ctx + (3,), -1.0)], [Hypothesis(ctx + (3,), 0.0)]],
        [[Hypothesis(ctx + (2,), 0.0), Hypothesis(ctx + (3,), -1.0)], [Hypothesis(ctx + (3,), 0.0),
                                                                       Hypothesis(ctx + (2,), -1.0)]],
    ])
    monkeypatch.setattr(MwerLoss, "nbest", lambda self, *args: next(lists))
    loss_fn = MwerLoss(MwerConfig(nbest=2, rnnt_scale=0.0), ToyTokenizer(), torch.device("cpu"))
    loss_fn(model, batch)  # "A B": 0 and 1 errors; "B": one hypothesis
    assert (loss_fn.utterances, loss_fn.degenerate) == (2, 1)
    loss, _ = loss_fn(model, batch)  # "A B": "A" and "B" have 1 error each; "B": 0 and 1 errors
    assert (loss_fn.utterances, loss_fn.degenerate) == (4, 2)
    bias = model.joiner.output_linear.bias
    loss.backward()
    assert bias.grad.abs().sum() > 0  # the second utterance's list still trains


def test_bad_settings_and_empty_references_are_one_line(toy):
    model, batch = toy
    with pytest.raises(ValueError, match="nbest must be at least 2"):
        MwerConfig(nbest=1)
    with pytest.raises(ValueError, match="method mwer uses no LM"):
        MwerConfig(method="mwer", lm_scale=0.3)
    with pytest.raises(InputError, match="fuses an external LM"):
        MwerLoss(MwerConfig(method="mwer_sf", lm_scale=0.3), ToyTokenizer(), torch.device("cpu"))
    batch["supervisions"]["text"] = ["A B", "  "]
    with pytest.raises(InputError, match="the reference has no words"):
        MwerLoss(MwerConfig(), ToyTokenizer(), torch.device("cpu"))(model, batch)


def test_mwer_fine_tuning_trains_through_fit(tmp_path, toy):
    import numpy as np
    from lhotse import CutSet, Features
    from lhotse.features.io import MemoryRawWriter
    from lhotse.testing.dummies import dummy_cut, dummy_supervision

    from icefall_ext.asr_config import AsrRecipeConfig, TrainConfig
    from icefall_ext.mwer import fine_tune, mwer_run

    writer, rng, cuts = MemoryRawWriter(), np.random.RandomState(0), []
    for i, text in enumerate(["A B", "B", "A", "B A", "A A", "B B"]):
        cut = dummy_cut(i, duration=0.11, supervisions=[dummy_supervision(i, start=0.0, duration=0.11, text=text)])
        cut.features = Features(type="fbank", num_frames=11, num_features=8, frame_shift=0.01, sampling_rate=16000,
                                start=0.0, duration=0.11, storage_type=writer.name, storage_path="", channels=0,
                                storage_key=writer.write(cut.id, rng.randn(11, 8).astype(np.float32)))
        cuts.append(cut)
    cuts = CutSet.from_cuts(cuts)
    model = toy[0].float()
    cfg = AsrRecipeConfig(train=TrainConfig(max_duration=0.3, num_buckets=2, augment_start_epoch=100, log_interval=1),
                          mwer=MwerConfig(nbest=3, num_epochs=1, base_lr=1e-2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    run = mwer_run(model, cfg, ToyTokenizer(), None, cuts, cuts.subset(first=2), tmp_path, torch.device("cpu"))
    state = fine_tune(run)
    assert (tmp_path / "epoch-1.pt").is_file() and math.isfinite(state.history[-1]["train_loss"])
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items() if k.startswith("encoder."))
    assert run.loss_fn.utterances == 6 + 2  # one epoch: each training cut once, then the validation of the 2 dev cuts
