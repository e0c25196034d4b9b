"""The transducer with `model.loss: pruned` (icefall's simple_am_proj / simple_lm_proj and k2's
pruned loss): loads from YAML, trains, equals the full sum when the band covers every label, and
leaves the default full-sum model's parameters as they were."""
import pytest
import torch
from torch import nn

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.losses.rnnt_loss import rnnt_loss
from icefall_ext.models.transducer import Transducer
from recipe_common.config import load_config
from recipe_common.errors import InputError

MODEL = ("model:\n  encoder: {num_features: 8, d_model: 16, num_layers: 1, num_heads: 2, feedforward_dim: 16, dropout: 0.0}\n"
         "  decoder_dim: 8\n  joiner_dim: 8\n  ctc_loss_scale: 0.0\n")


def model_from_yaml(tmp_path, extra: str = "", vocab_size: int = 6) -> Transducer:
    path = tmp_path / "c.yaml"
    path.write_text(MODEL + extra)
    torch.manual_seed(0)
    return Transducer(load_config(path, AsrRecipeConfig).model, vocab_size=vocab_size)


def batch():
    g = torch.Generator().manual_seed(1)
    return torch.randn(2, 40, 8, generator=g), torch.tensor([40, 30]), torch.tensor([[1, 2, 3], [4, 5, -1]]), torch.tensor([3, 2])


def test_pruned_loss_of_the_model_is_the_full_sum_when_the_band_covers_all_labels(tmp_path):
    model = model_from_yaml(tmp_path, "  loss: pruned\n  prune_range: 4\n  lm_scale: 0.25\n").eval()  # no random chunks
    x, x_lens, y, y_lens = batch()
    out = model(x, x_lens, y, y_lens)
    assert set(out) == {"simple", "pruned", "frames"}
    enc, enc_lens = model.forward_encoder(x, x_lens)
    logits = model.joiner(enc.unsqueeze(2), model.forward_decoder(y).unsqueeze(1))
    full = rnnt_loss(logits, y.clamp(min=0), enc_lens, y_lens, reduction="sum")
    assert out["pruned"].item() == pytest.approx(full.item(), rel=1e-5)


def test_pruned_model_trains_its_simple_projections_and_joiner(tmp_path):
    model = model_from_yaml(tmp_path, "  loss: pruned\n  prune_range: 2\n")
    x, x_lens, y, y_lens = batch()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(8):
        out = model(x, x_lens, y, y_lens)
        loss = 0.5 * out["simple"] + out["pruned"]
        opt.zero_grad()
        loss.backward()
        for name in ("simple_am_proj", "simple_lm_proj", "joiner.output_linear"):
            assert model.get_submodule(name).weight.grad.abs().sum() > 0, name
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_the_full_sum_default_keeps_the_parameters_of_earlier_models(tmp_path):
    full = model_from_yaml(tmp_path)
    assert full.cfg.loss == "full" and not any(k.startswith("simple_") for k in full.state_dict())
    assert set(full(*batch())) == {"rnnt", "frames"}
    pruned = model_from_yaml(tmp_path, "  loss: pruned\n")
    extra = set(pruned.state_dict()) - set(full.state_dict())
    assert extra == {f"simple_{p}_proj.{w}" for p in ("am", "lm") for w in ("weight", "bias")}


@pytest.mark.parametrize("extra,message", [
    ("  loss: k2\n", "loss must be full or pruned, not 'k2'"),
    ("  prune_range: 1\n", "prune_range must be >= 2"),
    ("  lm_scale: 0.75\n  am_scale: 0.5\n", "lm_scale \\+ am_scale must be <= 1"),
    ("  simple_loss_scale: 1.5\n", "simple_loss_scale must be in \\[0, 1\\]"),
])
def test_bad_loss_options_fail_at_load(tmp_path, extra, message):
    with pytest.raises(InputError, match=f"c.yaml: 'model': {message}"):
        model_from_yaml(tmp_path, extra)


def test_a_vocabulary_mismatch_between_projections_and_joiner_is_one_line(tmp_path):
    model = model_from_yaml(tmp_path, "  loss: pruned\n")
    model.simple_lm_proj = nn.Linear(8, 7)
    with pytest.raises(ValueError, match="^simple_lm_proj gives 7 classes but the joiner 6$"):
        model(*batch())
