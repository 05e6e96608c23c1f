"""Production installs the runtime alone, pinned: requirements.lock (make lock) pins every
runtime dependency of pyproject.toml, and what they need in turn, each with its hashes,
and holds no test tool. No network: the lock is read, and the installed packages'
metadata tells what each needs.
"""
from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def locked() -> dict[str, tuple[str, list[str]]]:
    """name -> (pinned version, hashes), from requirements.lock."""
    entries: dict[str, tuple[str, list[str]]] = {}
    text = LOCK.read_text(encoding="utf-8")
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        head = block.split("\\", 1)[0].strip()
        if not head or head.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)(\s*;.*)?", head)
        assert match, f"not pinned with ==: {head!r}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
        entries[canonicalize_name(match.group(1))] = (match.group(2), hashes)
    return entries


def runtime() -> list[Requirement]:
    return [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]


def test_every_runtime_dependency_is_pinned_within_its_range_with_hashes() -> None:
    lock = locked()
    for req in runtime():
        name = canonicalize_name(req.name)
        assert name in lock, f"{req.name} is not in requirements.lock (make lock)"
        version, hashes = lock[name]
        assert req.specifier.contains(Version(version), prereleases=True), \
            f"{req.name}=={version} outside {req}"
        assert hashes, f"{req.name} has no hash"


def test_every_locked_package_has_hashes() -> None:
    assert {name for name, (_, hashes) in locked().items() if not hashes} == set()


def test_what_the_runtime_needs_in_turn_is_locked() -> None:
    """The closure over the installed packages' metadata (markers for this Python)."""
    lock = locked()
    missing: set[str] = set()
    todo = [(req, frozenset(req.extras)) for req in runtime()]
    seen: set[str] = set()
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if name not in lock:
            missing.add(name)
            continue
        if name in seen:
            continue
        seen.add(name)
        for raw in metadata.distribution(name).requires or []:
            need = Requirement(raw)
            if need.marker is None or any(need.marker.evaluate({"extra": e}) for e in extras | {""}):
                todo.append((need, frozenset(need.extras)))
    assert missing == set(), "needed but not locked"


def test_test_tools_stay_out_of_the_lock() -> None:
    lock = locked()
    extras = PYPROJECT["project"]["optional-dependencies"]["test"]
    tools = {canonicalize_name(Requirement(r).name) for r in extras}
    runtime_names = {canonicalize_name(r.name) for r in runtime()}
    assert sorted((tools - runtime_names) & set(lock)) == []


def test_the_lock_names_no_machine_of_ours() -> None:
    """No index URL or local path: the file installs the same anywhere."""
    text = LOCK.read_text(encoding="utf-8")
    assert not re.search(r"^\s*--(extra-)?index-url|^\s*--find-links|file://|^-e ", text, re.M)
