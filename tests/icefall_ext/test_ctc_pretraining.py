"""CTC pre-training of the encoder (model.ctc_pretrain_steps): the first steps train on the CTC
loss alone and leave the decoder and joiner untouched, then the joint loss takes over, for both
transducer losses; the config refuses a pre-training with no CTC head."""
import pytest
import torch

from icefall_ext.asr_config import TrainConfig
from icefall_ext.models.conformer import ConformerConfig
from icefall_ext.models.transducer import Transducer, TransducerConfig
from icefall_ext.training import make_scaler, make_transducer_loss, train_step


class Tokens:
    eos_id = None

    def encode(self, text):
        return [{"a": 1, "b": 2}[c] for c in text]


def toy_transducer(**kw) -> Transducer:
    torch.manual_seed(0)
    cfg = TransducerConfig(
        encoder=ConformerConfig(num_features=8, d_model=16, num_layers=1, num_heads=2, feedforward_dim=16, dropout=0.0,
                                attention_dropout=0.0),
        decoder_dim=8, joiner_dim=8, context_size=1, ctc_loss_scale=0.3, prune_range=3, **kw)
    return Transducer(cfg, vocab_size=3)


BATCH = {"inputs": torch.randn(2, 40, 8, generator=torch.Generator().manual_seed(0)), "supervisions": {
    "sequence_idx": torch.tensor([0, 1]), "start_frame": torch.tensor([0, 0]), "num_frames": torch.tensor([40, 30]),
    "text": ["abb", "b"]}}
INPUTS = (BATCH["inputs"], torch.tensor([40, 30]), torch.tensor([[1, 2, 2], [2, -1, -1]]), torch.tensor([3, 1]))


@pytest.mark.parametrize("loss", ["full", "pruned"])
def test_the_first_steps_train_the_encoder_on_ctc_alone_then_the_joint_loss_takes_over(loss):
    model = toy_transducer(loss=loss, ctc_pretrain_steps=2)
    joint_fn = make_transducer_loss(toy_transducer(loss=loss).cfg, Tokens(), torch.device("cpu"))
    loss_fn = make_transducer_loss(model.cfg, Tokens(), torch.device("cpu"))
    assert loss_fn.leaves_parameters_unused and not joint_fn.leaves_parameters_unused
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    decoder_before = [p.detach().clone() for p in model.decoder.parameters()] + [
        p.detach().clone() for p in model.joiner.parameters()]
    cfg = TrainConfig(base_lr=0.1, warmup_steps=0)
    for step in range(2):
        with torch.no_grad():  # train mode, as train_step's (batch norm)
            ctc = model(*INPUTS)["ctc"].item()
        summed, _, _ = train_step(model, loss_fn, opt, make_scaler(torch.device("cpu"), False), BATCH, cfg, step,
                                  torch.device("cpu"))
        assert summed == pytest.approx(ctc, rel=1e-5)  # the CTC loss at weight 1, no transducer term
    after = list(model.decoder.parameters()) + list(model.joiner.parameters())
    assert all(torch.equal(a, b) for a, b in zip(decoder_before, after))
    loss_fn.set_step(2)
    joint_fn.set_step(2)
    model.eval()
    with torch.no_grad():
        assert loss_fn(model, BATCH)[0].item() == pytest.approx(joint_fn(model, BATCH)[0].item(), rel=1e-6)
        assert loss_fn(model, BATCH)[0].item() > model(*INPUTS)["ctc"].item()


def test_ctc_only_forward_is_the_full_forwards_ctc_term():
    model = toy_transducer().eval()
    with torch.no_grad():
        full, ctc_only = model(*INPUTS), model(*INPUTS, ctc_only=True)
    assert set(ctc_only) == {"ctc", "frames"}
    assert ctc_only["ctc"].item() == pytest.approx(full["ctc"].item()) and ctc_only["frames"] == full["frames"]


def test_pretraining_without_a_ctc_head_is_refused():
    with pytest.raises(ValueError, match="ctc_pretrain_steps"):
        TransducerConfig(ctc_loss_scale=0.0, ctc_pretrain_steps=10)
    with pytest.raises(ValueError, match="ctc_pretrain_steps"):
        TransducerConfig(ctc_pretrain_steps=-1)
