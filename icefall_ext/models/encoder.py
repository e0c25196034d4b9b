"""The encoder registry: `model.encoder_type` in a recipe config names an encoder, and
`model.encoder` is read into that encoder's own config dataclass when the YAML loads.

An encoder is an nn.Module built from its config alone, with
  forward(x (N, T, F), x_lens (N,)) -> (encoder_out (N, T', output_dim), encoder_out_lens (N,)),
  output_dim (property) and set_feature_stats(mean, std) (input normalisation saved with the model),
and its config has `num_features`. Adding one is a module that calls `register_encoder`; the
transducer, the checkpoint loader and the ONNX export take it as it is. An encoder that can also
stream has streaming_chunk_size, init_states and streaming_forward (as ConformerEncoder), which
the streaming searches (decoding/streaming.py) and the online export (export/onnx_streaming.py) use.
"""
from typing import Callable, Dict, List, Tuple, Type

from torch import nn

_ENCODERS: Dict[str, Tuple[type, Type[nn.Module]]] = {}


def register_encoder(name: str, config_cls: type) -> Callable[[Type[nn.Module]], Type[nn.Module]]:
    def add(encoder_cls: Type[nn.Module]) -> Type[nn.Module]:
        if name in _ENCODERS and _ENCODERS[name][1] is not encoder_cls:
            raise ValueError(f"encoder '{name}' is registered twice")
        _ENCODERS[name] = (config_cls, encoder_cls)
        return encoder_cls

    return add


def encoder_names() -> List[str]:
    return sorted(_ENCODERS)


def encoder_config_class(name: str) -> type:
    if name not in _ENCODERS:
        raise ValueError(f"unknown encoder_type '{name}' (known: {', '.join(encoder_names())})")
    return _ENCODERS[name][0]


def build_encoder(name: str, cfg) -> nn.Module:
    config_cls = encoder_config_class(name)
    if not isinstance(cfg, config_cls):
        raise ValueError(f"encoder '{name}' needs a {config_cls.__name__}, not {type(cfg).__name__}")
    return _ENCODERS[name][1](cfg)


from icefall_ext.models import conformer  # noqa: E402,F401  (registers "conformer")
