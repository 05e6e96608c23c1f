"""The README's "Testing against the sandbox" example, run as it is printed there.

The code between the markers below is the README's example; a test checks that the
README shows exactly this code, so the two cannot drift apart.
"""
# --- README example: begin ---
import json
import re
import urllib.request

from playwright.sync_api import Page, expect


def sandbox(base_url: str, method: str, path: str, body: dict | None = None) -> dict:
    """Call the sandbox API (add an Authorization header if SANDBOX_API_TOKEN is set)."""
    request = urllib.request.Request(
        base_url + path, method=method, headers={"Content-Type": "application/json"},
        data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def test_recovery_with_a_code_from_the_sandbox(page: Page, base_url: str) -> None:
    sandbox(base_url, "POST", "/sandbox/api/reset", {})           # the demo data
    sandbox(base_url, "POST", "/sandbox/api/clock", {"reset": True})

    # Sign in as a parent, then find out the password was forgotten.
    page.goto(base_url + "/ru/cabinet/login")
    page.get_by_label("Введите ИИН").fill("900515401230")
    page.get_by_label(re.compile("^Я ознакомлен")).check()
    page.get_by_label(re.compile("^Я согласен")).check()
    page.get_by_role("button", name="Продолжить").click()
    page.get_by_role("link", name="Забыли пароль?").click()
    page.get_by_role("button", name="Продолжить").click()        # sends the code

    # Read the code the ed24.kz app received.
    outbox = sandbox(base_url, "GET", "/sandbox/api/outbox?phone=%2B77057546868")
    code = outbox["messages"][0]["code"]

    # No need to wait 60 s for "Запросить код повторно": move the clock.
    sandbox(base_url, "POST", "/sandbox/api/clock", {"advance_seconds": 61})
    page.reload()
    expect(page.get_by_role("button", name="Запросить код повторно")).to_be_enabled()
    page.get_by_role("button", name="Запросить код повторно").click()
    code = sandbox(base_url, "GET", "/sandbox/api/outbox?phone=%2B77057546868")["messages"][0]["code"]

    page.get_by_label("Введите код подтверждения из уведомления").fill(code)
    page.get_by_role("button", name="Подтвердить").click()
    page.get_by_label("Придумайте пароль Личного кабинета").fill("Samal!Kokshe2026")
    page.get_by_label("Повторите пароль").fill("Samal!Kokshe2026")
    page.get_by_role("button", name="Обновить").click()
    expect(page.get_by_text("Пароль обновлён")).to_be_visible()

    sandbox(base_url, "POST", "/sandbox/api/reset", {})           # leave the data as found
# --- README example: end ---


def test_the_readme_shows_this_example() -> None:
    from pathlib import Path

    here = Path(__file__).read_text(encoding="utf-8")
    example = here.split("# --- README example: begin ---\n")[1].split("# --- README example: end ---")[0]
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert example.strip() in readme, "README's 'Testing against the sandbox' differs from e2e/test_readme_example.py"
