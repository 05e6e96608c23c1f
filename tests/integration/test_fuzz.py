"""Property-based fuzzing of every form and fragment endpoint, in both languages.

Arbitrary Unicode, huge values, missing fields and wrong methods: the answer is
never 5xx, and the stored data of cabinets, children and devices never changes
(random input cannot be a valid code, so no flow can complete).
"""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.helpers import AIGERIM, AMINA, AMINA_CERT, ARMAN, MADINA, Browser, make_app
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

FORMS: dict[str, tuple[str, list[str], list[str]]] = {
    "login": ("/cabinet/login", ["iin", "agree_terms", "agree_contacts"], []),
    "login_password": ("/cabinet/login/password", ["password"], ["signin", "back"]),
    "recovery": ("/cabinet/recovery", ["iin", "code", "password", "password_repeat"],
                 ["start", "update", "resend", "send", "back"]),
    "reregister": ("/cabinet/reregister",
                   ["child_iin", "certificate", "parent1_iin", "parent2_iin", "status",
                    "applicant_iin", "phone", "code", "password", "password_repeat"],
                   ["next", "code", "submit"]),
    "fragment_iin": ("/fragments/iin", ["iin", "event", "child_iin"], []),
    "fragment_phone": ("/fragments/phone", ["phone", "event"], []),
    "fragment_rules": ("/fragments/password-rules", ["password", "applicant_iin", "phone"], []),
    "app_phone": ("/sandbox/app/phone", ["phone", "consent"], []),
    "app_otp": ("/sandbox/app/otp", ["otp"], ["bind", "other"]),
    "app_open": ("/sandbox/app/open", ["phone"], []),
}
GETS = ["/fragments/resend/recovery", "/fragments/resend/reregister", "/fragments/resend/x",
        "/fragments/binding", "/sandbox/app/feed", "/cabinet/reregister", "/cabinet/recovery"]


def snapshot(app: Any) -> list[tuple]:
    with new_session(app) as db:
        return ([(c.iin, c.phone, c.password_hash, c.session_epoch) for c in db.scalars(select(Cabinet).order_by(Cabinet.id))]
                + [(c.iin, c.cabinet_id, c.status) for c in db.scalars(select(Child).order_by(Child.iin))]
                + [(d.id, d.phone) for d in db.scalars(select(AppDevice).order_by(AppDevice.id))])


@pytest.fixture(scope="module")
def fuzz_app() -> Any:
    return make_app(SIGNIN_FAILURES_PER_ADDRESS=10**6, REREG_ATTEMPTS_PER_ADDRESS=10**6)


def in_flow(app: Any, lang: str) -> Browser:
    """A visitor deep in every flow, so fuzzed posts reach the inner steps."""
    web = Browser(app)
    web.post(f"/{lang}/cabinet/login", {"iin": AIGERIM, "agree_terms": "y", "agree_contacts": "y"})
    web.get(f"/{lang}/cabinet/recovery")
    web.post(f"/{lang}/cabinet/reregister", {"action": "next", "child_iin": AMINA, "certificate": AMINA_CERT,
                                             "parent1_iin": MADINA, "parent2_iin": ARMAN, "status": "queue"})
    return web


@pytest.mark.parametrize("name", sorted(FORMS))
@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_forms_never_fail_and_never_change_stored_data(fuzz_app: Any, name: str, lang: str) -> None:
    path, fields, actions = FORMS[name]
    web = in_flow(fuzz_app, lang)
    before = snapshot(fuzz_app)
    prefix = f"/{lang}"

    @FUZZ
    @given(data=st.fixed_dictionaries({f: values for f in fields}),
           action=st.one_of(st.sampled_from(actions or [None]), st.text(max_size=10)),
           htmx=st.booleans())
    def run(data: dict[str, Any], action: Any, htmx: bool) -> None:
        payload = {k: v for k, v in data.items() if v is not None}
        if action is not None:
            payload["action"] = action
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
