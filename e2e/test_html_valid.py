"""Every page state is valid HTML: the Nu Html Checker (v.Nu, the W3C validator's engine)
reports no error at all, in ru and kk.

The pages are the ones the WCAG matrix passes through (e2e/states.py, one tour per
language shared with e2e/test_wcag.py): each state's markup as the browser has it
(page.content()), the same pages again after htmx swapped in its answers to typing (the
inline IIN and phone messages, the password checklist), and the GET fragments htmx asks
for (where the code is, the cabinet's next binding password, the emulator's feed), each
in a minimal document. v.Nu runs once over all of them.

v.Nu comes from npm (vnu-jar; it needs Java 17+): `npm install --prefix .vnu vnu-jar`.
When the jar is missing this test installs it; it is never skipped.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from e2e.states import STATES
from e2e.test_wcag import LANGS, Survey, _locked, survey  # noqa: F401  (survey: the shared fixture)

pytestmark = pytest.mark.wcag

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / ".vnu"
JAR = VNU / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_jar() -> Path:
    """The checker's jar, installed from npm into .vnu/ when it is not there yet."""
    if JAR.exists():
        return JAR
    npm = shutil.which("npm")
    assert npm, "v.Nu is installed with npm (`npm install --prefix .vnu vnu-jar`): install Node.js and npm"
    VNU.mkdir(exist_ok=True)
    with _locked(VNU / "install.lock", wait=True):
        if not JAR.exists():
            done = subprocess.run([npm, "install", "--prefix", str(VNU), "--no-audit", "--no-fund", "vnu-jar"],
                                  capture_output=True, text=True, timeout=600)
            assert done.returncode == 0 and JAR.exists(), f"npm could not install vnu-jar:\n{done.stdout}{done.stderr}"
    return JAR


def validate(folder: Path) -> list[dict[str, object]]:
    """v.Nu's errors for every .html file under `folder` (one run of the checker)."""
    java = shutil.which("java")
    assert java, "v.Nu needs Java 17 or newer (Debian: default-jre-headless)"
    done = subprocess.run([java, "-jar", str(vnu_jar()), "--errors-only", "--format", "json", "--skip-non-html",
                           str(folder)], capture_output=True, text=True, timeout=600)
    try:
        messages: list[dict[str, object]] = json.loads(done.stderr or "{}").get("messages", [])
    except ValueError:
        raise AssertionError(f"v.Nu did not answer in JSON (exit {done.returncode}):\n{done.stderr[-3000:]}") from None
    assert messages or done.returncode == 0, f"v.Nu failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
    return messages


def describe(message: dict[str, object], root: Path) -> str:
    where = str(message.get("url", "")).removeprefix("file:")
    where = str(Path(where).relative_to(root)) if where.startswith(str(root)) else where
    extract = " ".join(str(message.get("extract", "")).split())
    return f"{where}:{message.get('lastLine', '?')}: {message.get('message')}  [{extract[:160]}]"


def test_every_page_state_is_valid_html(survey: Survey) -> None:  # noqa: F811
    not_saved = []
    for lang in LANGS:
        found = survey.results(lang)
        not_saved += [f"{lang} {state}: not reached: {why}" for state, why in found["missed"].items()]
        not_saved += [f"{lang} {key.removeprefix('html ')}: {problem}" for key, problems in found["found"].items()
                      if key.startswith("html ") for problem in problems]
    pages = sorted(survey.html.rglob("*.html"))
    assert len([p for p in pages if "+" not in p.name]) == len(LANGS) * len(STATES) or not_saved, \
        f"{len(pages)} pages saved for {len(LANGS) * len(STATES)} states"
    errors = [m for m in validate(survey.html) if m.get("type") in ("error", "non-document-error")]
    report = "\n".join([*not_saved, *(describe(m, survey.html) for m in errors)])
    assert not errors and not not_saved, f"v.Nu on {len(pages)} pages and fragments:\n{report}"
