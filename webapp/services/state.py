"""Flow state: small dataclasses that travel in the session as plain dicts.

The web layer decides where they are kept (webapp/flowstate.py owns the keys);
here they only turn into JSON-safe dicts and back, refusing anything malformed.
"""
from __future__ import annotations

import dataclasses
import enum
import typing
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T", bound="FlowState")


class FlowState:
    """A dataclass whose fields are str, bool, int, lists/dicts of str, datetimes or enums."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls: type[T], data: Any) -> T | None:
        """The state, or None when `data` is not one (an old or tampered session)."""
        if not isinstance(data, dict):
            return None
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        try:
            for f in dataclasses.fields(cls):  # type: ignore[arg-type]
                if f.name not in data:
                    continue
                values[f.name] = _load(hints[f.name], data[f.name])
            return cls(**values)
        except (TypeError, ValueError):
            return None


def _load(hint: Any, raw: Any) -> Any:
    args = typing.get_args(hint)
    if raw is None and type(None) in args:
        return None
    if args and type(None) in args:  # Optional[X]
        hint = next(a for a in args if a is not type(None))
        args = typing.get_args(hint)
    origin = typing.get_origin(hint) or hint
    if origin is datetime:
        return datetime.fromisoformat(raw)
    if isinstance(origin, type) and issubclass(origin, enum.Enum):
        return origin(raw)
    if origin in (list, tuple):
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise TypeError("a list of strings")
        return origin(raw)
    if origin is dict:
        if not isinstance(raw, dict):
            raise TypeError("a mapping")
        return {str(k): str(v) for k, v in raw.items()}
    if origin in (str, bool, int) and not isinstance(raw, origin):
        raise TypeError(f"not a {origin.__name__}")
    return raw
