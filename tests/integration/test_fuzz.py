"""Property-based fuzzing of every form and fragment endpoint, in both languages.

Arbitrary Unicode, huge values, missing fields and wrong methods: the answer is
never 5xx, and the stored data of cabinets, children and devices never changes
(random input cannot be a valid code, so no flow can complete). A session is signed
in nowhere, so the cabinet's own actions answer with a redirect.
"""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.helpers import AIGERIM, MADINA, MADINA_PHONE, Browser, make_app
from webapp.db import new_session
from webapp.models import AppDevice, Cabinet, Child

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

values = st.one_of(
    st.none(),                                   # the field is missing
    st.text(max_size=40),                        # any Unicode, control characters included
    st.text(alphabet="0123456789 ٠١٢٣٤٥٦٧٨٩０１２３", max_size=16),
    st.sampled_from([AIGERIM, "", " ", "<script>x</script>", "' OR 1=1 --", "١٢٣٤", "\x00"]),
    st.builds(lambda c, n: c * n, st.characters(), st.integers(1000, 20_000)),  # huge
)

FORMS: dict[str, tuple[str, list[str]]] = {
    "login": ("/cabinet/login", ["iin", "agree_terms", "agree_contacts"]),
    "login_password": ("/cabinet/login/password", ["password", "username"]),
    "recovery_start": ("/cabinet/recovery/start", ["iin"]),
    "recovery_code": ("/cabinet/recovery/code", ["code"]),
    "recovery_resend": ("/cabinet/recovery/resend", []),
    "recovery_sms": ("/cabinet/recovery/sms", []),
    "recovery_send": ("/cabinet/recovery/send", []),
    "recovery_password": ("/cabinet/recovery/password", ["password", "password_repeat", "username"]),
    "recovery_back": ("/cabinet/recovery/back", []),
    "rereg_answers": ("/cabinet/reregister/answers",
                      ["child_iin", "certificate", "parent1_iin", "parent2_iin", "status"]),
    "rereg_applicant": ("/cabinet/reregister/applicant", ["applicant_iin", "phone"]),
    "rereg_code": ("/cabinet/reregister/code", ["code"]),
    "rereg_finish": ("/cabinet/reregister/finish", ["password", "password_repeat", "phone"]),
    "rereg_other": ("/cabinet/reregister/change", []),
    "check_iin": ("/check/iin", ["iin", "event", "child_iin", "parent2_iin"]),
    "check_phone": ("/check/phone", ["phone", "event"]),
    "check_password": ("/check/password", ["password", "username", "phone"]),
    "app_phone": ("/sandbox/app/phone", ["phone", "consent"]),
    "app_otp": ("/sandbox/app/otp", ["otp"]),
    "app_open": ("/sandbox/app/open", ["phone"]),
    "cabinet_sms": ("/cabinet/binding/sms", []),
}
GETS = ["/cabinet/binding", "/sandbox/app/feed", "/sandbox/app/bind", "/cabinet/reregister",
        "/cabinet/recovery", "/cabinet/recovery/unknown-number"]


def snapshot(app: Any) -> list[tuple]:
    with new_session(app) as db:
        return ([(c.iin, c.phone, c.password_hash, c.session_epoch) for c in db.scalars(select(Cabinet).order_by(Cabinet.id))]
                + [(c.iin, c.cabinet_id, c.status) for c in db.scalars(select(Child).order_by(Child.iin))]
                + [(d.id, d.phone) for d in db.scalars(select(AppDevice).order_by(AppDevice.id))])


@pytest.fixture(scope="module")
def fuzz_app() -> Any:
    return make_app(SIGNIN_FAILURES_PER_ADDRESS=10**6, REREG_FAILURES_PER_ADDRESS=10**6,
                    RECOVERY_STARTS_PER_ADDRESS=10**6, CODE_FAILURES_PER_ADDRESS=10**6)


def in_flow(app: Any, lang: str) -> Browser:
    """A visitor deep in every flow, so fuzzed posts reach the inner steps."""
    web = Browser(app)
    web.step1(lang, AIGERIM)
    web.post(f"/{lang}/cabinet/recovery/start", {"iin": AIGERIM})
    web.answer_step1(lang)
    web.post(f"/{lang}/cabinet/reregister/applicant", {"applicant_iin": MADINA, "phone": MADINA_PHONE})
    return web


@pytest.mark.parametrize("name", sorted(FORMS))
@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_forms_never_fail_and_never_change_stored_data(fuzz_app: Any, name: str, lang: str) -> None:
    path, fields = FORMS[name]
    web = in_flow(fuzz_app, lang)
    before = snapshot(fuzz_app)
    prefix = f"/{lang}"

    @FUZZ
    @given(data=st.fixed_dictionaries({f: values for f in fields}), htmx=st.booleans())
    def run(data: dict[str, Any], htmx: bool) -> None:
        payload = {k: v for k, v in data.items() if v is not None}
        response = web.post(f"{prefix}{path}", payload, htmx=htmx)
        assert response.status_code < 500, (path, payload)

    run()
    assert snapshot(fuzz_app) == before


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_wrong_methods_and_bare_requests(fuzz_app: Any, lang: str) -> None:
    web = in_flow(fuzz_app, lang)
    for path, *_ in FORMS.values():
        for method in ("put", "delete", "patch"):
            assert getattr(web.client, method)(f"/{lang}{path}").status_code in (400, 405)
        assert web.post(f"/{lang}{path}", {}, csrf=False).status_code == 400
    for path in GETS:
        assert web.get(f"/{lang}{path}").status_code < 500
        assert web.get(f"/{lang}{path}", headers={"HX-Request": "true"}).status_code < 500


@FUZZ
@given(path=st.text(max_size=60))
def test_arbitrary_paths_never_fail(fuzz_app: Any, path: str) -> None:
    response = fuzz_app.test_client().get("/" + path.lstrip("/"))
    assert response.status_code < 500
