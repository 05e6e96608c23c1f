"""Every page state at 360x740, and at 200% zoom (a 180 px wide CSS viewport): no
horizontal scroll, nothing cut off."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from e2e.pages import no_horizontal_scroll, step1
from tests.helpers import AIGERIM, ERLAN

PAGES = ["/", "/cabinet/login", "/help/app", "/help/bmg", "/agreement",
         "/cabinet/recovery/unknown-number?confirm=1", "/cabinet/reregister", "/sandbox/app"]


def flows(page: Page, lang: str) -> None:
    for path in PAGES:
        page.goto(f"/{lang}{path}")
        no_horizontal_scroll(page)
    page.goto(f"/{lang}/cabinet/login")
    step1(page, lang, ERLAN)
    no_horizontal_scroll(page)
    page.goto(f"/{lang}/cabinet/recovery")  # case 2: QR codes and the one-time password
    no_horizontal_scroll(page)
    page.goto(f"/{lang}/cabinet/login")
    step1(page, lang, AIGERIM)
    page.goto(f"/{lang}/cabinet/recovery")  # case 1 with the checklist
    no_horizontal_scroll(page)


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize("width, height, scale", [(360, 740, 1), (180, 370, 2)],
                         ids=["360x740", "zoom-200"])
def test_no_horizontal_scroll(browser: Browser, base_url: str, lang: str, width: int,
                              height: int, scale: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=scale, is_mobile=True, has_touch=True,
                                  base_url=base_url)
    flows(context.new_page(), lang)
    context.close()
