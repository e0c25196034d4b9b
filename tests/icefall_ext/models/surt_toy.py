"""A toy SURT model (causal conformer of 2 layers, 16-unit masker) shared by the SURT tests."""
import torch

from icefall_ext.models.conformer import ConformerConfig
from icefall_ext.models.surt import MaskerConfig, Surt, SurtConfig
from icefall_ext.models.transducer import TransducerConfig

F, V = 20, 10


def transducer_config(chunk=4, left=8, kernel=7):
    encoder = ConformerConfig(
        num_features=F, subsampling_channels=8, d_model=32, num_layers=2, num_heads=4, feedforward_dim=64,
        cnn_module_kernel=kernel, dropout=0.0, attention_dropout=0.0, causal=True, chunk_sizes=[chunk],
        left_context_frames=left,
    )
    return TransducerConfig(encoder=encoder, decoder_dim=16, joiner_dim=16, context_size=2, ctc_loss_scale=0.2)


def surt_model(chunk=4, left=8, kernel=7, seed=0):
    torch.manual_seed(seed)
    model = Surt(SurtConfig(transducer=transducer_config(chunk, left, kernel), masker=MaskerConfig(hidden_dim=16)), V)
    model.asr.encoder.set_feature_stats(torch.randn(F), torch.rand(F) + 0.5)
    return model.eval()
