"""The README's "Testing against the sandbox" example, run as it is (between the markers),
and a check that the README still shows it word for word."""
from __future__ import annotations

# --- README example: begin ---
import re

from playwright.sync_api import Page, expect

from ed24_testkit import SandboxClient
from ed24_testkit.pages import Recovery, SignIn


def test_recovery_with_a_code_from_the_sandbox(page: Page, ns: SandboxClient) -> None:
    # `page` lives in a sandbox namespace of this test's own (its data, messages, clock
    # and counts), so `pytest -n 4` runs never meet; `ns` is the sandbox API inside it.
    person = ns.person("app_bound")                  # a fresh parent with the ed24.kz app bound

    # Sign in as that parent, then find out the password was forgotten.
    signin = SignIn(page, "ru").open()
    signin.step1(person.iin)
    signin.link("Забыли пароль?").click()
    recovery = Recovery(page, "ru")
    recovery.button("Продолжить").click()            # sends the code to the app

    # Read the code the ed24.kz app received (the API waits a moment for it to arrive).
    code = ns.code(person.phone)

    # No need to wait 60 s for "Запросить код повторно": move this namespace's clock.
    ns.advance(61)
    page.reload()                                    # a GET: reloading never resends a form
    recovery.button("Запросить код повторно").click()
    code = ns.code(person.phone)                     # the newest code (the last 3 all work)

    recovery.enter_code(code)
    recovery.new_password("Samal!Kokshe2026")
    expect(page).to_have_url(re.compile("/ru/cabinet/$"))
    expect(page.get_by_text(recovery.t("Пароль обновлён"))).to_be_visible()
# --- README example: end ---


def test_the_readme_shows_this_example() -> None:
    from pathlib import Path

    here = Path(__file__).read_text(encoding="utf-8")
    example = here.split("# --- README example: begin ---\n")[1].split("# --- README example: end ---")[0]
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert example.strip() in readme, "README's 'Testing against the sandbox' differs from e2e/test_readme_example.py"
