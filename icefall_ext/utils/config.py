"""Recipe configs: YAML sections mapped onto dataclasses, with unknown keys rejected."""
import dataclasses
import typing
from pathlib import Path
from typing import Any, Dict, Type, TypeVar, Union

import yaml

from icefall_ext.utils.errors import InputError

T = TypeVar("T")


def from_dict(cls: Type[T], data: Dict[str, Any], where: str, section: str = "") -> T:
    """Builds dataclass `cls` from `data`, nested dataclasses recursively. Errors name the
    file (`where`) and the dotted key ("train.num_epochs")."""
    name = section.rstrip(".") or "(top level)"
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{where}: '{name}' should be a mapping, not {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in data.items():
        if key not in fields:
            raise InputError(f"{where}: unknown key '{section}{key}' (known: {', '.join(fields)})")
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            value = from_dict(hint, value, where, f"{section}{key}.")
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except ValueError as e:  # a section's own check (__post_init__) of its values
        raise InputError(f"{where}: '{name}': {e}")


def load_yaml(path: Union[str, Path]) -> Dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: config file does not exist")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        raise InputError(f"{path}: invalid YAML ({str(e).splitlines()[0]})")
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of sections")
    return data


def load_config(path: Union[str, Path], cls: Type[T]) -> T:
    """The whole recipe config as dataclass `cls` (one field per section)."""
    return from_dict(cls, load_yaml(path), str(path))
