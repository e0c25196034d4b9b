"""A second encoder, registered by name, trains inside the transducer, loads from YAML and exports
for sherpa-onnx with no edit to models/, export/ or the config code; and the internal LM equals a
hand computation on a toy joiner."""
import math
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from icefall_ext.asr_config import AsrRecipeConfig
from icefall_ext.export.onnx_transducer import check_export, export_transducer
from icefall_ext.models.encoder import encoder_names, register_encoder
from icefall_ext.models.transducer import Transducer, TransducerConfig
from recipe_common.config import load_config
from recipe_common.errors import InputError


@dataclass
class StackedLinearConfig:
    num_features: int = 80
    hidden: int = 16


@register_encoder("test_stacked_linear", StackedLinearConfig)
class StackedLinearEncoder(nn.Module):
    """4 frames stacked and projected: the smallest encoder with the registry's interface."""

    def __init__(self, cfg: StackedLinearConfig):
        super().__init__()
        self.cfg = cfg
        self.register_buffer("feature_mean", torch.zeros(cfg.num_features))
        self.proj = nn.Linear(4 * cfg.num_features, cfg.hidden)

    @property
    def output_dim(self) -> int:
        return self.cfg.hidden

    def set_feature_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        self.feature_mean.copy_(mean)

    def forward(self, x: torch.Tensor, x_lens: torch.Tensor):
        n, t, f = x.shape
        t4 = t // 4
        x = (x[:, : 4 * t4] - self.feature_mean).reshape(n, t4, 4 * f)
        return torch.tanh(self.proj(x)), torch.div(x_lens, 4, rounding_mode="floor")


def test_the_registered_encoder_loads_from_yaml_trains_and_exports(tmp_path):
    assert "test_stacked_linear" in encoder_names() and "conformer" in encoder_names()
    path = tmp_path / "c.yaml"
    path.write_text("model:\n  encoder_type: test_stacked_linear\n  encoder: {hidden: 12}\n  decoder_dim: 8\n"
                    "  joiner_dim: 8\n  ctc_loss_scale: 0.5\n")
    cfg = load_config(path, AsrRecipeConfig).model
    assert isinstance(cfg.encoder, StackedLinearConfig) and cfg.encoder.hidden == 12
    torch.manual_seed(0)
    model = Transducer(cfg, vocab_size=6)
    x, x_lens = torch.randn(2, 40, 80), torch.tensor([40, 32])
    y, y_lens = torch.tensor([[1, 2, 3], [4, 5, -1]]), torch.tensor([3, 2])
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(10):
        out = model(x, x_lens, y, y_lens)
        loss = out["rnnt"] + 0.5 * out["ctc"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] and int(out["frames"]) == 10 + 8
    model.eval()
    paths = export_transducer(model, tmp_path / "onnx")
    assert check_export(model, paths) < 1e-4


def test_a_misspelt_key_of_the_chosen_encoder_fails_at_load(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model:\n  encoder_type: test_stacked_linear\n  encoder: {d_model: 12}\n")
    with pytest.raises(InputError, match="unknown key 'model.encoder.d_model' \\(known: num_features, hidden\\)"):
        load_config(path, AsrRecipeConfig)


def test_a_config_object_of_another_encoder_is_refused():
    with pytest.raises(ValueError, match="needs a StackedLinearConfig"):
        TransducerConfig(encoder_type="test_stacked_linear", encoder=TransducerConfig().encoder)


def test_internal_lm_equals_a_hand_computation():
    """Vocabulary {blank, a, b}, joiner_dim 1, context 1: the decoder output after a token is set by
    hand, so the internal LM is softmax over (a, b) of w * tanh(d) + bias, blank excluded."""
    torch.manual_seed(0)
    cfg = TransducerConfig(encoder_type="test_stacked_linear", encoder=StackedLinearConfig(hidden=4),
                           decoder_dim=1, joiner_dim=1, context_size=1, ctc_loss_scale=0.0)
    model = Transducer(cfg, vocab_size=3)
    with torch.no_grad():
        model.decoder.embedding.weight.copy_(torch.tensor([[0.5], [1.0], [2.0]]))  # relu keeps them
        model.joiner.decoder_proj.weight.fill_(1.0)
        model.joiner.decoder_proj.bias.fill_(0.0)
        model.joiner.encoder_proj.bias.fill_(7.0)  # must not matter: the encoder side is removed
        model.joiner.output_linear.weight.copy_(torch.tensor([[3.0], [1.0], [-1.0]]))
        model.joiner.output_linear.bias.copy_(torch.tensor([10.0, 0.5, 0.0]))
    log_probs = model.internal_lm_log_probs(torch.tensor([[1, 2]]))  # after blank, after a, after b
    assert log_probs.shape == (1, 3, 3)
    for u, d in enumerate([0.5, 1.0, 2.0]):
        za, zb = 1.0 * math.tanh(d) + 0.5, -1.0 * math.tanh(d)
        norm = math.log(math.exp(za) + math.exp(zb))
        assert log_probs[0, u, 0].item() == -math.inf
        assert log_probs[0, u, 1].item() == pytest.approx(za - norm, abs=1e-6)
        assert log_probs[0, u, 2].item() == pytest.approx(zb - norm, abs=1e-6)
