"""make audit: Lighthouse 12 (mobile) on sign-in step 1 in both languages, offline.

Serves the app with gunicorn on loopback, runs Debian's Chromium through
Lighthouse, prints the scores and fails below: performance 98, accessibility
100, best practices 100.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.servers import _wait_for, free_port  # noqa: E402

LIGHTHOUSE = ROOT / ".lighthouse" / "node_modules" / ".bin" / "lighthouse"
TARGETS = {"performance": 98, "accessibility": 100, "best-practices": 100}
FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage "
         "--disable-background-networking --disable-component-update --disable-sync "
         "--no-first-run --disable-quic")


def main() -> None:
    folder = tempfile.mkdtemp(prefix="ed24-audit-")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/audit.sqlite3",
           "SECRET_KEY": "audit-" + "x" * 40, "PYTHONPATH": str(ROOT)}
    flask = [sys.executable, "-m", "flask", "--app", "webapp"]
    subprocess.run([*flask, "db-upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run([*flask, "sandbox", "load-demo"], env=env, check=True, capture_output=True, cwd=ROOT)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind",
                               f"127.0.0.1:{port}", "--log-level", "warning", "webapp:create_app()"],
                              env=env, cwd=ROOT)
    failures = []
    try:
        _wait_for(port)
        time.sleep(1)
        for lang in ("ru", "kk"):
            url = f"http://127.0.0.1:{port}/{lang}/cabinet/login"
            report = Path(folder) / f"{lang}.json"
            subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
                            "--only-categories=performance,accessibility,best-practices",
                            f"--chrome-flags={FLAGS}", "--form-factor=mobile"],
                           env={**env, "CHROME_PATH": "/usr/bin/chromium"}, check=True, cwd=folder)
            data = json.loads(report.read_text())
            scores = {k: round(v["score"] * 100) for k, v in data["categories"].items()}
            print(f"Lighthouse, sign-in step 1 ({lang}): " +
                  ", ".join(f"{k} {v}" for k, v in scores.items()))
            for key, minimum in TARGETS.items():
                if scores.get(key, 0) < minimum:
                    failures.append(f"{lang} {key} {scores.get(key)} < {minimum}")
                    for audit in data["audits"].values():
                        if audit.get("score") is not None and audit["score"] < 1 and \
                                audit.get("scoreDisplayMode") in ("binary", "numeric"):
                            print(f"   {lang}: {audit['id']}: {audit['title']} ({audit['score']})")
    finally:
        server.terminate()
        server.wait(20)
    if failures:
        raise SystemExit("below target: " + "; ".join(failures))


if __name__ == "__main__":
    main()
