"""SURT on toy sizes: sigmoid masks of the right shape, streaming equal to the causal forward chunk
by chunk, finite losses with gradients to the masker, start from a single-talker transducer."""
import pytest
import torch
from lhotse import SupervisionSegment

from icefall_ext.losses.heat import assign_channels
from icefall_ext.models.subsampling import LOOKAHEAD_FRAMES
from icefall_ext.models.surt import MaskerConfig, Surt, SurtConfig, channel_targets
from icefall_ext.models.transducer import Transducer, TransducerConfig
from recipe_common.errors import InputError
from tests.icefall_ext.models.surt_toy import F, V, surt_model, transducer_config


def test_two_sigmoid_masks_over_the_features():
    model = surt_model()
    x = torch.randn(3, 50, F)
    masks, _ = model.masker(x)
    assert masks.shape == (3, 2, 50, F)
    assert masks.min() > 0 and masks.max() < 1
    assert not torch.allclose(masks.sum(1), torch.ones(3, 50, F))  # free to overlap: no softmax over channels
    out, lens, masks2 = model.forward_encoder(x, torch.tensor([50, 40, 30]), chunk_size=4)
    assert out.shape[0] == 6 and lens.tolist() == [11, 9, 6] * 2 and torch.equal(masks, masks2)


def test_each_mask_is_causal_in_time():
    model = surt_model()
    x = torch.randn(1, 40, F)
    later = x.clone()
    later[:, 25:] = torch.randn(1, 15, F)
    assert torch.allclose(model.masker(x)[0][:, :, :25], model.masker(later)[0][:, :, :25])


@torch.no_grad()
def stream(model, x, x_lens, chunk_frames):
    """Chunks of every mixture fed together; the valid frames of each channel stream, (C * N, T', D)."""
    n = x.shape[0]
    x = torch.nn.functional.pad(x, (0, 0, 0, chunk_frames + LOOKAHEAD_FRAMES))
    states, outs = model.init_states(n), []
    for start in range(0, int(x_lens.max()), chunk_frames):
        window = x[:, start : start + chunk_frames + LOOKAHEAD_FRAMES]
        valid = (x_lens - start).clamp(min=0, max=window.shape[1])
        out, lens, states = model.streaming_forward(window, states, torch.full((n,), start), valid)
        outs.append(out.masked_fill(torch.arange(out.shape[1]).unsqueeze(1) >= lens.view(-1, 1, 1), 0.0))
    return torch.cat(outs, dim=1)


@pytest.mark.parametrize("chunk,left,kernel", [(4, 8, 7), (2, 3, 5), (1, 4, 7), (3, 16, 15)])
def test_streaming_equals_the_full_causal_forward(chunk, left, kernel):
    model = surt_model(chunk, left, kernel, seed=chunk)
    x_lens = torch.tensor([121, 70, 9])
    x = torch.randn(3, 121, F)
    full, lens, _ = model.forward_encoder(x, x_lens, chunk_size=chunk)
    streamed = stream(model, x, x_lens, 4 * chunk)
    for i, n in enumerate(lens.tolist()):
        assert torch.allclose(streamed[i, :n], full[i, :n], atol=1e-5), (i, (streamed[i, :n] - full[i, :n]).abs().max())


def test_states_hold_the_masker_then_the_channel_streams():
    model = surt_model()
    h, c, attn, conv = model.init_states(3)
    assert h.shape == c.shape == (2, 3, 16) and attn.shape == (2, 8, 6, 32) and conv.shape == (2, 6, 6, 32)


def sup(start, end, text):
    return SupervisionSegment(id=text, recording_id="r", start=start, duration=end - start, text=text)


def encode(text):
    return [1 + "abcdefghi".index(ch) for ch in text.replace(" ", "")]


def test_heat_targets_give_finite_losses_with_gradients_to_the_masker():
    model = surt_model().train()
    mixtures = [[sup(0.0, 1.0, "ab c"), sup(0.6, 1.4, "de")], [sup(0.0, 0.5, "f"), sup(0.7, 1.2, "ghi")]]
    texts = [assign_channels(m, 2).texts() for m in mixtures]
    assert texts == [[["ab c"], ["de"]], [["f", "ghi"], []]]
    y, y_lens = channel_targets(texts, encode, 2)
    assert y_lens.tolist() == [[3, 4], [2, 0]] and y[1, 1].tolist() == [-1, -1, -1, -1]
    out = model(torch.randn(2, 60, F), torch.tensor([60, 48]), y, y_lens)
    assert out["rnnt"].shape == out["ctc"].shape == (2,)
    assert torch.isfinite(out["loss"]) and float(out["loss"]) == pytest.approx(
        float(out["rnnt"].sum() + 0.2 * out["ctc"].sum()), rel=1e-5)
    out["loss"].backward()
    grads = [p.grad for p in model.masker.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads) and any(g.abs().sum() > 0 for g in grads)


def test_each_utterance_on_a_channel_ends_with_its_own_eos():
    eos = 9
    y, y_lens = channel_targets([[["ab", "c"], ["de"]]], lambda text: encode(text) + [eos], 2)
    assert y[0, 0, : y_lens[0, 0]].tolist() == [1, 2, eos, 3, eos] and y[1, 0, : y_lens[1, 0]].tolist() == [4, 5, eos]


def test_starts_from_a_single_talker_transducer():
    torch.manual_seed(5)
    source = Transducer(transducer_config(), V)
    model = surt_model()
    masker_before = {k: v.clone() for k, v in model.masker.state_dict().items()}
    model.load_single_talker(source.state_dict())
    for name, value in source.state_dict().items():
        assert torch.equal(model.asr.state_dict()[name], value), name
    assert all(torch.equal(v, masker_before[k]) for k, v in model.masker.state_dict().items())


def test_a_source_of_another_vocabulary_or_shape_is_one_line():
    model = surt_model()
    with pytest.raises(InputError, match="src.pt has a vocabulary of 12 tokens, this SURT model 10"):
        model.load_single_talker(Transducer(transducer_config(), 12).state_dict(), "src.pt")
    with pytest.raises(InputError, match="'encoder.layers.0.conv.depthwise.weight' is"):
        model.load_single_talker(Transducer(transducer_config(kernel=5), V).state_dict())


def test_bad_targets_are_one_line():
    model = surt_model()
    with pytest.raises(InputError, match="mixture 1 has 3 channel references, the model 2 channels"):
        channel_targets([[["a"], ["b"]], [["a"], ["b"], ["c"]]], encode, 2)
    y, y_lens = channel_targets([[["a"], ["b"]]], encode, 2)
    with pytest.raises(InputError, match="the model has 2 channels and the batch 2 mixtures"):
        model(torch.randn(2, 40, F), torch.tensor([40, 40]), y, y_lens)
    with pytest.raises(ValueError, match="needs the CTC head"):
        SurtConfig(transducer=TransducerConfig(ctc_loss_scale=0.0))


def test_the_eos_latency_penalty_is_charged_per_channel():
    from icefall_ext.losses.eos_latency import EosPenaltyConfig

    cfg = transducer_config()
    cfg.eos_penalty = EosPenaltyConfig(late_scale=1.0, early_scale=1.0, buffer_frames=0)
    torch.manual_seed(0)
    model = Surt(SurtConfig(transducer=cfg, masker=MaskerConfig(hidden_dim=16)), V).eval()
    y, y_lens = channel_targets([[["ab c"], ["de"]], [["f"], ["ghi"]]], encode, 2)
    x, x_lens = torch.randn(2, 60, F), torch.tensor([60, 48])
    ends = torch.tensor([[3, 10], [12, 2]])
    with torch.no_grad():
        plain, penalised = model(x, x_lens, y, y_lens)["rnnt"], model(x, x_lens, y, y_lens, ends)["rnnt"]
        encoder_out, lens, _ = model.forward_encoder(x, x_lens)
        for k in range(2):
            alone = model.asr.forward_transducer(encoder_out[2 * k : 2 * k + 2], lens[2 * k : 2 * k + 2], y[k], y_lens[k], ends[k])
            assert torch.allclose(penalised[k], alone["rnnt"])
    assert (penalised > plain).all()
    with pytest.raises(InputError, match="<eos> reference frames for \\(2,\\) "):
        model(x, x_lens, y, y_lens, ends[0])
