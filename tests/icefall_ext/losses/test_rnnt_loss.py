import math

import pytest
import torch

from icefall_ext.losses.rnnt_loss import rnnt_loss


def reference_rnnt_nll(logits: torch.Tensor, targets: torch.Tensor, T: int, U: int, blank: int = 0) -> float:
    """The textbook forward algorithm, one lattice node at a time, in float64."""
    lp = logits[:T, : U + 1].double().log_softmax(-1)
    alpha = [[-math.inf] * (U + 1) for _ in range(T)]
    alpha[0][0] = 0.0
    for t in range(T):
        for u in range(U + 1):
            if t == 0 and u == 0:
                continue
            terms = []
            if t > 0:
                terms.append(alpha[t - 1][u] + lp[t - 1, u, blank].item())
            if u > 0:
                terms.append(alpha[t][u - 1] + lp[t, u - 1, targets[u - 1]].item())
            m = max(terms)
            alpha[t][u] = m + math.log(sum(math.exp(x - m) for x in terms))
    return -(alpha[T - 1][U] + lp[T - 1, U, blank].item())


def random_batch(seed: int, B=3, T=9, U=4, V=6):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(B, T, U + 1, V, generator=g)
    targets = torch.randint(1, V, (B, U), generator=g)
    t_lens = torch.tensor([T, T - 3, T - 1])[:B]
    u_lens = torch.tensor([U, 1, U - 2])[:B]
    return logits, targets, t_lens, u_lens


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_slow_reference_with_ragged_lengths(seed):
    logits, targets, t_lens, u_lens = random_batch(seed)
    ours = rnnt_loss(logits, targets, t_lens, u_lens, reduction="none")
    for b in range(logits.shape[0]):
        ref = reference_rnnt_nll(logits[b], targets[b], int(t_lens[b]), int(u_lens[b]))
        assert ours[b].item() == pytest.approx(ref, rel=1e-5)


def test_more_labels_than_frames():
    logits, targets, _, _ = random_batch(5, B=2, T=3, U=7)
    t_lens, u_lens = torch.tensor([3, 1]), torch.tensor([7, 4])
    ours = rnnt_loss(logits, targets, t_lens, u_lens, reduction="none")
    for b in range(2):
        ref = reference_rnnt_nll(logits[b], targets[b], int(t_lens[b]), int(u_lens[b]))
        assert ours[b].item() == pytest.approx(ref, rel=1e-5)


def test_float32_keeps_precision_on_long_utterances():
    """The recursion adds and subtracts cumulative blank scores of hundreds of frames."""
    logits, targets, t_lens, u_lens = random_batch(6, B=3, T=600, U=60, V=40)
    single = rnnt_loss(logits, targets, t_lens, u_lens, reduction="none")
    double = rnnt_loss(logits.double(), targets, t_lens, u_lens, reduction="none")
    assert torch.allclose(single.double(), double, rtol=1e-5)


def test_gradcheck_small_shapes():
    logits, targets, t_lens, u_lens = random_batch(3, B=2, T=4, U=2, V=3)
    logits = logits.double().requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda x: rnnt_loss(x, targets, t_lens, u_lens, reduction="sum"), (logits,), eps=1e-6, atol=1e-5
    )


def test_blank_only_path_when_no_labels():
    """With U = 0 the only alignment is T blanks."""
    logits = torch.randn(1, 5, 1, 4)
    loss = rnnt_loss(logits, torch.zeros(1, 0, dtype=torch.long), torch.tensor([5]), torch.tensor([0]), reduction="sum")
    expected = -logits.log_softmax(-1)[0, :, 0, 0].sum()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)


def test_reductions_and_bad_lengths():
    logits, targets, t_lens, u_lens = random_batch(4)
    per_seq = rnnt_loss(logits, targets, t_lens, u_lens, reduction="none")
    assert rnnt_loss(logits, targets, t_lens, u_lens, reduction="sum").item() == pytest.approx(per_seq.sum().item())
    assert rnnt_loss(logits, targets, t_lens, u_lens, reduction="mean").item() == pytest.approx(per_seq.mean().item())
    with pytest.raises(ValueError):
        rnnt_loss(logits, targets, t_lens + 5, u_lens)


def test_an_empty_transcript_in_a_batch_is_the_all_blank_path():
    """Silence-only training utterances have U = 0; batch_to_inputs pads their labels with -1.
    In a batch beside a transcribed utterance, the RNN-T term of the empty one is minus the sum of
    log P(blank) over its frames at label position 0, and the CTC term stays finite."""
    from icefall_ext.models.conformer import ConformerConfig
    from icefall_ext.models.transducer import Transducer, TransducerConfig

    torch.manual_seed(0)
    cfg = TransducerConfig(encoder=ConformerConfig(num_features=20, d_model=16, num_layers=1, num_heads=2,
                                                   feedforward_dim=32, dropout=0.0),
                           decoder_dim=8, joiner_dim=8, ctc_loss_scale=0.5)
    model = Transducer(cfg, vocab_size=6).eval()
    x, x_lens = torch.randn(2, 40, 20), torch.tensor([40, 30])
    y, y_lens = torch.tensor([[3, 4, 5], [-1, -1, -1]]), torch.tensor([3, 0])
    both = model(x, x_lens, y, y_lens)
    alone = model(x[:1], x_lens[:1], y[:1], y_lens[:1])
    assert torch.isfinite(both["ctc"]) and torch.isfinite(both["rnnt"])
    enc, enc_lens = model.forward_encoder(x[1:, :30], torch.tensor([30]))
    dec = model.forward_decoder(torch.full((1, 1), -1))[:, :1]  # label position 0: the start context
    logits = model.joiner(enc[:, : int(enc_lens[0])].unsqueeze(2), dec.unsqueeze(1))
    expected = -logits.log_softmax(-1)[0, :, 0, 0].sum()
    assert (both["rnnt"] - alone["rnnt"]).item() == pytest.approx(expected.item(), rel=1e-4)
