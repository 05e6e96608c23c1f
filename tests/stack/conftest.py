"""The stack test runs only when asked for with `-m stack` (make test-long): a plain
`pytest` deselects it (the marker is registered in pyproject.toml)."""
from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "stack" in (config.option.markexpr or ""):
        return
    skipped = [item for item in items if item.get_closest_marker("stack")]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = [item for item in items if not item.get_closest_marker("stack")]
