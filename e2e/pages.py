"""The kit's page objects (testkit/ed24_testkit/pages.py), plus this project's own checks of
every page state they reach: axe-core and reflow at the phone's width."""
from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from ed24_testkit import pages as kit
from ed24_testkit.pages import js_on

_axe = Axe()


def check_a11y(page: Page, state: str) -> None:
    """axe-core on the page as it is now: no violations at all."""
    violations = _axe.run(page).response["violations"]
    report = "\n".join(f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
                       for v in violations)
    assert not violations, f"axe violations on {state}:\n{report}"


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    # Not innerWidth: on a mobile viewport it grows with content that is too wide.
    viewport = page.evaluate("document.documentElement.clientWidth")
    assert width <= viewport, f"{page.url}: {width}px wide in a {viewport}px viewport"


class Checked(kit.Site):
    def check(self, state: str) -> None:
        """axe and reflow on this state (with JavaScript; without it the server sends the
        same markup, which the JavaScript runs check)."""
        if js_on(self.page):
            check_a11y(self.page, f"{self.lang} {state}")
            no_horizontal_scroll(self.page)


class SignIn(Checked, kit.SignIn):
    pass


class Recovery(Checked, kit.Recovery):
    pass


class LinkPage(Checked, kit.LinkPage):
    pass


class Reregistration(Checked, kit.Reregistration):
    pass


class Cabinet(Checked, kit.Cabinet):
    pass


class AppEmulator(Checked, kit.AppEmulator):
    pass


__all__ = ["AppEmulator", "Cabinet", "LinkPage", "Recovery", "Reregistration", "SignIn", "check_a11y", "js_on",
           "no_horizontal_scroll"]
