"""ILMA through the trainer on text batches: only the chosen parameters change (the encoder and
everything else stay bitwise the same), the internal LM's dev loss falls, early stopping keeps
the best epoch, and the checkpoints load as any transducer's."""
import dataclasses

import pytest
import torch

from icefall_ext.asr_config import AsrRecipeConfig, IlmaConfig
from icefall_ext.ilma import BEST_EPOCH_FILE, PARAMETER_SETS, adapt, ilma_run
from icefall_ext.lm.text_data import TextBatches
from icefall_ext.models.conformer import ConformerConfig
from icefall_ext.models.transducer import Transducer, TransducerConfig
from icefall_ext.training import fit
from recipe_common.checkpoint import averaged_model_state

V = 6


def toy_config(params: str, **ilma) -> AsrRecipeConfig:
    model = TransducerConfig(
        encoder=ConformerConfig(num_features=8, d_model=16, num_layers=1, num_heads=2, feedforward_dim=16, dropout=0.0),
        decoder_dim=8, joiner_dim=8, ctc_loss_scale=0.2, ilmt_loss_scale=0.5)
    cfg = AsrRecipeConfig(model=model, ilma=IlmaConfig(params=params, base_lr=1e-2, num_epochs=2, **ilma))
    cfg.train.log_interval = 100
    return cfg


def toy_text() -> TextBatches:
    """A domain where 3 follows 2 and 5 follows 4."""
    train = [[2, 3, 4, 5], [4, 5, 2, 3], [2, 3, 2, 3], [4, 5]] * 4
    return TextBatches(train, train[:4], batch_size=4, seed=0)


@pytest.mark.parametrize("params", ["joiner_last_linear", "decoder_joiner"])
def test_ilma_changes_the_chosen_parameters_only(tmp_path, params):
    cfg = toy_config(params, kl_scale=0.5)
    torch.manual_seed(0)
    model = Transducer(cfg.model, vocab_size=V)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    run = ilma_run(model, cfg, toy_text(), tmp_path, torch.device("cpu"))
    history = fit(run).history
    assert history[-1]["valid_loss"] < history[0]["valid_loss"]
    after = averaged_model_state(tmp_path, 2, 1)  # the checkpoint decode.py would load
    chosen = PARAMETER_SETS[params]
    for key, value in before.items():
        if key.startswith(chosen):
            assert not torch.equal(after[key], value), key
        else:
            assert torch.equal(after[key], value), key
    assert any(k.startswith("encoder.") for k in before)
    Transducer(cfg.model, vocab_size=V).load_state_dict(after)  # the same model section loads it


def test_the_kl_term_holds_the_adapted_model_nearer_the_unadapted_one(tmp_path):
    def distance(kl_scale: float) -> float:
        cfg = toy_config("joiner_last_linear", kl_scale=kl_scale)
        torch.manual_seed(0)
        model = Transducer(cfg.model, vocab_size=V)
        w0 = model.joiner.output_linear.weight.detach().clone()
        fit(ilma_run(model, cfg, toy_text(), tmp_path / str(kl_scale), torch.device("cpu")))
        return (model.joiner.output_linear.weight.detach() - w0).norm().item()

    assert distance(20.0) < distance(0.0)


def test_adapt_writes_the_best_epoch(tmp_path):
    cfg = toy_config("joiner", kl_scale=0.1)
    cfg = dataclasses.replace(cfg, ilma=dataclasses.replace(cfg.ilma, num_epochs=3))
    torch.manual_seed(0)
    best = adapt(Transducer(cfg.model, vocab_size=V), cfg, toy_text(), tmp_path, torch.device("cpu"))
    assert (tmp_path / BEST_EPOCH_FILE).read_text() == f"{best}\n" and 1 <= best <= 3
