"""The systemd units of deploy/systemd and the settings template they read.

The units are checked by `systemd-analyze verify` on copies whose paths point at this
checkout (its .venv's executables, the template as the EnvironmentFile); the template
must name every setting that the app's config, its adapters, the purge and the gunicorn
config read, and nothing else.
"""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
TEMPLATE = ROOT / "deploy" / "ed24-cabinet.env.example"
INSTALLED_ROOT = "/opt/ed24-cabinet"
INSTALLED_ENV = "/etc/ed24-cabinet/ed24-cabinet.env"
# Readers of settings: webapp/config.py's _Reader, the adapters' helpers, purge's _days.
READERS = {"flag", "text", "number", "items", "raw", "required", "optional", "seconds", "_days"}
# `<mapping>.get("NAME")` reads a setting in purge.py and gunicorn.conf.py.
MAPPINGS = ("env", "os.environ")
# Set by the service manager, not by the operator.
SERVICE_MANAGER = {"RUNTIME_DIRECTORY"}


def _string_arg(call: ast.Call, index: int) -> str | None:
    arg = call.args[index] if len(call.args) > index else None
    return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None


def _dict_keys(tree: ast.Module, name: str) -> set[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name
                                                for t in node.targets):
            assert isinstance(node.value, ast.Dict)
            return {k.value for k in node.value.keys
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    raise AssertionError(f"{name} not found")


def settings_read(path: Path) -> set[str]:
    """Names passed to a settings reader, or to `env.get("NAME")` / `os.environ.get("NAME")`,
    in `path`'s source."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in READERS:
            # read.text("NAME") has the name first; required(settings, "NAME") second.
            value = _string_arg(node, 0) if isinstance(func, ast.Attribute) else _string_arg(node, 1)
        elif name == "get" and isinstance(func, ast.Attribute) and ast.unparse(func.value) in MAPPINGS:
            value = _string_arg(node, 0)
        else:
            continue
        if value and re.fullmatch(r"[A-Z][A-Z0-9_]+", value):
            found.add(value)
    return found - SERVICE_MANAGER


def every_setting() -> set[str]:
    webapp = ROOT / "webapp"
    config = ast.parse((webapp / "config.py").read_text(encoding="utf-8"))
    limits = ast.parse((webapp / "services" / "limits.py").read_text(encoding="utf-8"))
    found = settings_read(webapp / "config.py")
    found |= _dict_keys(config, "GATEWAYS") | _dict_keys(limits, "CONFIGURABLE")
    for adapter in sorted((webapp / "adapters").glob("*.py")):
        found |= settings_read(adapter)
    found |= settings_read(webapp / "purge.py")
    found |= settings_read(ROOT / "deploy" / "gunicorn.conf.py")
    return found


def template_names() -> list[str]:
    """Names set or shown (`NAME=` or `#NAME=`) in the template, in order."""
    return re.findall(r"^#?([A-Z][A-Z0-9_]*)=", TEMPLATE.read_text(encoding="utf-8"), flags=re.M)


def test_the_template_names_every_setting_and_nothing_else() -> None:
    names = template_names()
    assert len(names) == len(set(names)), f"named twice: {sorted(n for n in names if names.count(n) > 1)}"
    wanted = every_setting()
    assert len(wanted) > 40, "the source parse found too few settings"
    assert sorted(wanted - set(names)) == [], "settings the template does not name"
    assert sorted(set(names) - wanted) == [], "names in the template that nothing reads"


def test_each_setting_has_its_comment() -> None:
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^#?[A-Z][A-Z0-9_]*=", line):
            above = lines[:i]
            # Settings of one family may share the comment above the first of them.
            while above and re.match(r"^#?[A-Z][A-Z0-9_]*=", above[-1]):
                above.pop()
            assert above and above[-1].startswith("# ") and len(above[-1]) > 6, f"no comment above: {line}"


def test_production_is_the_template_default() -> None:
    text = TEMPLATE.read_text(encoding="utf-8")
    assert re.search(r"^PRODUCTION=1$", text, re.M)
    assert re.search(r"^OUTBOX_INPROCESS=0$", text, re.M)
    assert not re.search(r"^(SANDBOX|ALLOW_SANDBOX_IN_PRODUCTION)=1", text, re.M)


def _copies(folder: Path) -> list[Path]:
    copies = []
    for unit in sorted(UNITS.iterdir()):
        text = unit.read_text(encoding="utf-8").replace(INSTALLED_ENV, str(TEMPLATE))
        copy = folder / unit.name
        copy.write_text(text.replace(INSTALLED_ROOT, str(ROOT)), encoding="utf-8")
        copies.append(copy)
    return copies


def test_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    copies = _copies(tmp_path)
    for executable in (ROOT / ".venv" / "bin" / "gunicorn", ROOT / ".venv" / "bin" / "flask",
                       ROOT / ".venv" / "bin" / "ed24-purge"):
        assert executable.exists(), f"{executable} is missing (pip install -e .)"
    done = subprocess.run([analyze, "verify", "--man=no", "--recursive-errors=no", *map(str, copies)],
                          capture_output=True, text=True, cwd=tmp_path)
    # verify exits 0 on warnings (an unknown key, a value it ignores): those fail here too.
    mine = [line for line in done.stderr.splitlines() if str(tmp_path) in line or "ed24-cabinet" in line]
    assert done.returncode == 0 and mine == [], done.stderr


def test_units_read_the_settings_and_harden() -> None:
    for name in ("ed24-cabinet.service", "ed24-cabinet-worker.service", "ed24-cabinet-purge.service"):
        text = (UNITS / name).read_text(encoding="utf-8")
        for line in (f"EnvironmentFile={INSTALLED_ENV}", "User=ed24", "NoNewPrivileges=yes",
                     "ProtectSystem=strict", "PrivateTmp=yes"):
            assert line in text.splitlines(), f"{name}: {line}"
        if "oneshot" not in text:
            assert "Restart=on-failure" in text.splitlines(), name
    app = (UNITS / "ed24-cabinet.service").read_text(encoding="utf-8")
    assert "ReadWritePaths=/run/ed24-cabinet" in app.splitlines()
    assert "deploy/gunicorn.conf.py" in app
    timer = (UNITS / "ed24-cabinet-purge.timer").read_text(encoding="utf-8")
    assert {"OnCalendar=hourly", "Unit=ed24-cabinet-purge.service"} <= set(timer.splitlines())
