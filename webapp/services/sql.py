"""A small bridge to SQLAlchemy's typing: what an UPDATE or DELETE changed."""
from __future__ import annotations

from typing import Any, cast

from sqlalchemy.engine import CursorResult, Result


def affected(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE changed (execute() is typed for SELECTs)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
