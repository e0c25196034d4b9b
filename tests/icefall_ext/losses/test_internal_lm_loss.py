"""The internal-LM losses: the cross-entropy (ILMT) against a hand computation on a toy joiner, and
inside both transducer losses with model.ilmt_loss_scale; the KL term of ILMA."""
import math

import pytest
import torch

from icefall_ext.losses.internal_lm_loss import internal_lm_kl, internal_lm_nll
from icefall_ext.models.conformer import ConformerConfig
from icefall_ext.models.transducer import Transducer, TransducerConfig
from icefall_ext.training import make_transducer_loss


def toy_transducer(seed: int = 0, **kw) -> Transducer:
    torch.manual_seed(seed)
    cfg = TransducerConfig(
        encoder=ConformerConfig(num_features=8, d_model=16, num_layers=1, num_heads=2, feedforward_dim=16, dropout=0.0),
        decoder_dim=1, joiner_dim=1, context_size=1, ctc_loss_scale=0.0, **kw)
    return Transducer(cfg, vocab_size=3)


def hand_set(model: Transducer) -> None:
    """Vocabulary {blank, a, b}: decoder output d(blank) = 0.5, d(a) = 1, d(b) = 2; the internal LM
    after a token with output d is softmax over (a, b) of (tanh(d) + 0.5, -tanh(d))."""
    with torch.no_grad():
        model.decoder.embedding.weight.copy_(torch.tensor([[0.5], [1.0], [2.0]]))
        model.joiner.decoder_proj.weight.fill_(1.0)
        model.joiner.decoder_proj.bias.fill_(0.0)
        model.joiner.output_linear.weight.copy_(torch.tensor([[3.0], [1.0], [-1.0]]))
        model.joiner.output_linear.bias.copy_(torch.tensor([10.0, 0.5, 0.0]))


def hand_log_prob(d: float, token: int) -> float:
    za, zb = math.tanh(d) + 0.5, -math.tanh(d)
    return (za if token == 1 else zb) - math.log(math.exp(za) + math.exp(zb))


def test_internal_lm_nll_is_the_hand_computed_cross_entropy_and_skips_padding():
    model = toy_transducer()
    hand_set(model)
    y, y_lens = torch.tensor([[1, 2, 2], [2, -1, -1]]), torch.tensor([3, 1])
    nll = internal_lm_nll(model.internal_lm_log_probs(y), y, y_lens)
    first = -(hand_log_prob(0.5, 1) + hand_log_prob(1.0, 2) + hand_log_prob(2.0, 2))  # a b b after blank, a, b
    assert nll.tolist() == pytest.approx([first, -hand_log_prob(0.5, 2)], abs=1e-6)


@pytest.mark.parametrize("loss", ["full", "pruned"])
def test_ilmt_adds_the_scaled_internal_lm_loss_to_both_transducer_losses(loss):
    class Tokens:
        def encode(self, text):
            return [{"a": 1, "b": 2}[c] for c in text]

    batch = {"inputs": torch.randn(2, 40, 8, generator=torch.Generator().manual_seed(0)), "supervisions": {
        "sequence_idx": torch.tensor([0, 1]), "start_frame": torch.tensor([0, 0]), "num_frames": torch.tensor([40, 30]),
        "text": ["abb", "b"]}}
    base = toy_transducer(loss=loss, prune_range=4).eval()
    with_ilmt = toy_transducer(loss=loss, prune_range=4, ilmt_loss_scale=0.3).eval()  # the same weights (seed)
    for m in (base, with_ilmt):
        hand_set(m)
    off, _ = make_transducer_loss(base.cfg, Tokens(), torch.device("cpu"))(base, batch)
    on, _ = make_transducer_loss(with_ilmt.cfg, Tokens(), torch.device("cpu"))(with_ilmt, batch)
    ilm = -(hand_log_prob(0.5, 1) + hand_log_prob(1.0, 2) + hand_log_prob(2.0, 2) + hand_log_prob(0.5, 2))
    assert on.item() == pytest.approx(off.item() + 0.3 * ilm, rel=1e-5)


def test_kl_is_zero_for_the_same_model_and_positive_for_another():
    y, y_lens = torch.tensor([[1, 2, 1], [2, 2, -1]]), torch.tensor([3, 2])
    a, b = toy_transducer(seed=0), toy_transducer(seed=1)
    ref = a.internal_lm_log_probs(y)
    same = internal_lm_kl(ref, a.internal_lm_log_probs(y), y_lens)
    other = internal_lm_kl(ref, b.internal_lm_log_probs(y), y_lens)
    assert same.abs().max().item() < 1e-7 and (other > 0).all()
    assert torch.isfinite(other).all()
