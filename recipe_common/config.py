"""Recipe configs: YAML sections mapped onto dataclasses. Unknown keys are refused and every scalar
is checked against the field's type hint when the file loads, so a typo or a wrong value fails
before any work starts, naming the file and the dotted key.

A field whose dataclass depends on a sibling key (the encoder section follows `encoder_type`)
carries `metadata={"config_type": f}`: f(the raw parent section) returns the dataclass to read.
"""
import dataclasses
import math
import typing
from pathlib import Path
from typing import Any, Dict, Type, TypeVar, Union

import yaml

from recipe_common.errors import InputError

T = TypeVar("T")


class _Mismatch(Exception):
    """A value that does not fit its type hint: what was expected, and (inside a list or mapping)
    the innermost key and value that did not fit."""

    def __init__(self, expected: str):
        super().__init__(expected)
        self.expected, self.key, self.value = expected, None, None

    def at(self, key: str, value: Any) -> "_Mismatch":
        if self.key is None:
            self.key, self.value = key, value
        return self


def _item(hint: Any, value: Any, where: str, key: str) -> Any:
    try:
        return _coerce(hint, value, where, key)
    except _Mismatch as e:
        raise e.at(key, value)


def _coerce(hint: Any, value: Any, where: str, key: str) -> Any:
    """`value` as type `hint` (dataclasses through from_dict). YAML 1.1 reads `1e-3` (no dot) as a string: a float field takes
    it as the number it spells; an int field takes an integral float; nothing else is converted."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, where, key + ".")
    if origin is Union:
        if value is None and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return _coerce(arg, value, where, key)
            except _Mismatch:
                pass
        raise _Mismatch(" or ".join(getattr(a, "__name__", str(a)) for a in args))
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise _Mismatch("a list")
        item = args[0] if args else Any
        return [_item(item, v, where, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise _Mismatch("a mapping")
        key_t, val_t = args if args else (Any, Any)
        return {_item(key_t, k, where, f"{key}.{k}"): _item(val_t, v, where, f"{key}.{k}") for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise _Mismatch("true or false")
        return value
    if hint is int:
        if isinstance(value, bool):
            raise _Mismatch("an integer")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int):
            raise _Mismatch("an integer")
        return value
    if hint is float:
        if isinstance(value, bool):
            raise _Mismatch("a number")
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                raise _Mismatch("a number")
            if not math.isfinite(number):
                raise _Mismatch("a finite number")
            return number
        if not isinstance(value, (int, float)):
            raise _Mismatch("a number")
        if not math.isfinite(value):
            raise _Mismatch("a finite number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise _Mismatch("a string")
        return value
    return value


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
        choose = fields[key].metadata.get("config_type")
        if choose is not None:
            try:
                hint = choose(data)
            except ValueError as e:
                raise InputError(f"{where}: '{name}': {e}")
        try:
            value = _coerce(hint, value, where, f"{section}{key}")
        except _Mismatch as e:
            bad_key, bad_value = (e.key, e.value) if e.key is not None else (f"{section}{key}", value)
            raise InputError(f"{where}: '{bad_key}' should be {e.expected}, not {bad_value!r}")
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except ValueError as e:  # a section's own check (__post_init__) of its values
        raise InputError(f"{where}: '{name}': {e}")


def load_yaml(path: Union[str, Path]) -> Dict[str, Any]:
    """The config's sections, with those of its `base:` config (a path relative to this file) under
    them: a variant config names its base and states only what it changes, instead of copying it.
    Mappings merge key by key; any other value (lists included) replaces the base's."""
    return _load_with_bases(Path(path), ())


def _load_with_bases(path: Path, chain: tuple) -> Dict[str, Any]:
    if path.resolve() in chain:
        raise InputError(f"{path}: 'base' makes a cycle ({' -> '.join(str(p) for p in chain + (path,))})")
    data = _read_yaml(path)
    base = data.pop("base", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise InputError(f"{path}: 'base' should be the path of another config, not {base!r}")
    base_path = path.parent / base
    if not base_path.is_file():
        raise InputError(f"{path}: 'base' {base}: config file does not exist")
    return _merge(_load_with_bases(base_path, chain + (path.resolve(),)), data)


def _merge(base: Dict[str, Any], over: Dict[str, Any]) -> Dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _read_yaml(path: Path) -> Dict[str, Any]:
    if not path.is_file():
        raise InputError(f"{path}: config file does not exist")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.MarkedYAMLError as e:  # PyYAML's marks count from 0; editors count from 1
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{path}: invalid YAML{where}: {e.problem or e.context}")
    except yaml.YAMLError as e:
        raise InputError(f"{path}: invalid YAML ({str(e).splitlines()[0]})")
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of sections")
    return data


def load_config(path: Union[str, Path], cls: Type[T]) -> T:
    """The whole recipe config as dataclass `cls` (one field per section)."""
    return from_dict(cls, load_yaml(path), str(path))


def override_section(cfg: T, section: str, overrides: Dict[str, Any]) -> T:
    """cfg with the given keys of one section replaced (command-line options over the YAML's), the
    section's own checks rerun; a value they refuse is one line naming the section."""
    try:
        return dataclasses.replace(cfg, **{section: dataclasses.replace(getattr(cfg, section), **overrides)})
    except ValueError as e:
        raise InputError(f"{section} options: {e}")
