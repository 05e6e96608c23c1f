"""Re-registration without JavaScript, in both languages."""
from __future__ import annotations


import pytest
from sqlalchemy import select

from tests.helpers import (AIGERIM, AMINA, AMINA_CERT, ARMAN, ARMAN_PHONE, GULNAR,
                           GULNAR_PASSWORD, GULNAR_PHONE, MADINA, MADINA_PHONE, Browser,
                           latest_code, notifications, text_of, title_of)
from webapp.db import new_session
from webapp.models import Cabinet, Child
from webapp.services.gateways import GatewayUnavailable

NEW_PASSWORD = "Amina!Kezek2026"
GOOD_ANSWERS = {"child_iin": AMINA, "certificate": AMINA_CERT, "parent1_iin": MADINA,
                "parent2_iin": ARMAN, "status": "queue"}
AGREE = {"agree_terms": "y", "agree_contacts": "y"}


def step1(web: Browser, lang: str = "ru", **changes: str):
    return web.post(f"/{lang}/cabinet/reregister", {**GOOD_ANSWERS, **changes, "action": "next"})


def get_code(web: Browser, lang: str = "ru", iin: str = MADINA, phone: str = MADINA_PHONE):
    return web.post(f"/{lang}/cabinet/reregister", {"action": "code", "applicant_iin": iin, "phone": phone})


def finish(web: Browser, lang: str = "ru", iin: str = MADINA, phone: str = MADINA_PHONE,
           code: str | None = None, password: str = NEW_PASSWORD):
    return web.post(f"/{lang}/cabinet/reregister", {
        "action": "submit", "applicant_iin": iin, "phone": phone,
        "code": code if code is not None else latest_code(web.app, phone),
        "password": password, "password_repeat": password})


def sign_in(web: Browser, iin: str, password: str):
    web.post("/ru/cabinet/login", {"iin": iin, **AGREE})
    return web.post("/ru/cabinet/login/password", {"password": password, "action": "signin"})


def owner_of_amina(app) -> tuple[str, str]:
    with new_session(app) as db:
        cabinet = db.get(Child, AMINA).cabinet
        return cabinet.iin, cabinet.phone


def test_whole_flow(web: Browser, lang: str) -> None:
    page = web.get(f"/{lang}/cabinet/reregister")
    assert page.status_code == 200
    assert step1(web, lang).status_code == 302
    page = web.get(f"/{lang}/cabinet/reregister")
    if lang == "ru":
        assert "Вы верно ответили на все вопросы!" in text_of(page)
    sent = get_code(web, lang)
    assert sent.status_code == 200
    words = ("Вы можете запросить код повторно через 60 сек." if lang == "ru"
             else "Кодты 60 секундтан кейін қайта сұрай аласыз")
    assert words in text_of(sent)
    done = finish(web, lang)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/{lang}/cabinet/")
    cabinet = web.get(f"/{lang}/cabinet/")
    assert cabinet.status_code == 200 and "Серикова Амина" in text_of(cabinet)
    assert owner_of_amina(web.app) == (MADINA, MADINA_PHONE)
    # New credentials work, the old ones do not; the old phone's app was told.
    assert sign_in(Browser(web.app), MADINA, NEW_PASSWORD).status_code == 302
    assert sign_in(Browser(web.app), GULNAR, GULNAR_PASSWORD).status_code == 200
    assert "rereg_away" in notifications(web.app, GULNAR_PHONE)
    assert "rereg_here" in notifications(web.app, MADINA_PHONE)


def test_contract_texts(web: Browser) -> None:
    text = text_of(web.get("/ru/cabinet/reregister"))
    for words in ("ИИН ребенка", "Номер свидетельства о рождении",
                  "Номер Свидетельства о рождении ребенка, ИИН которого указан в первом пункте",
                  "Если данных нет, оставьте поле пустым.", "Ходит в детский сад", "Стоит в очереди",
                  "Далее", "Отмена"):
        assert words in text
    step1(web)
    text = text_of(web.get("/ru/cabinet/reregister"))
    for words in ("Ваш ИИН", "Получить код", "Что такое БМГ?", "Придумайте пароль Личного кабинета",
                  "Повторите пароль", "Переоформить", "Введите код подтверждения из приложения"):
        assert words in text


@pytest.mark.parametrize("changes", [
    {"child_iin": "210610501239"},
    {"certificate": "0567891"},
    {"parent1_iin": ARMAN, "parent2_iin": MADINA},
    {"parent2_iin": ""},
    {"parent2_iin": AIGERIM},
    {"status": "attends"},
])
def test_any_wrong_answer_gets_one_generic_message(web: Browser, changes: dict[str, str]) -> None:
    page = step1(web, **changes)
    assert page.status_code == 200
    assert "Ответы не совпадают с данными о ребенке" in text_of(page)
    assert "Вы верно ответили" not in text_of(page)


@pytest.mark.parametrize("certificate", [" 0567890 ", "№0567890", "№ 0567 890"])
def test_certificate_spelling_is_forgiven(web: Browser, certificate: str) -> None:
    assert step1(web, certificate=certificate).status_code == 302


def test_attempts_are_limited(web: Browser) -> None:
    for _ in range(4):
        step1(web, certificate="1111111")
    page = step1(web, certificate="1111111")
    assert "через" in text_of(page) and "минут" in text_of(page)
    page = step1(web)
    assert "Слишком много попыток" in text_of(page)


def test_registry_outage_consumes_no_attempt(web: Browser) -> None:
    class Down:
        def __init__(self, *_: object) -> None: ...
        def child(self, iin: str): raise GatewayUnavailable()
        def phones_of(self, iin: str): raise GatewayUnavailable()

    web.app.extensions["registry_factory"] = Down
    for _ in range(6):
        page = step1(web)
        assert "временно недоступен" in text_of(page)
    del web.app.extensions["registry_factory"]
    assert step1(web).status_code == 302


def test_field_errors_are_per_field(web: Browser, lang: str) -> None:
    page = web.post(f"/{lang}/cabinet/reregister", {"action": "next", "child_iin": "1"})
    assert title_of(page).startswith("Ошибка: " if lang == "ru" else "Қате: ")
    for field in ("child_iin", "certificate", "parent1_iin", "status"):
        assert f'href="#{field}"' in page.get_data(as_text=True)
    assert 'href="#parent2_iin"' not in page.get_data(as_text=True)


def test_step2_is_unreachable_without_step1(web: Browser) -> None:
    page = get_code(web)
    assert page.status_code == 302
    page = finish(web, code="1234")
    assert page.status_code == 302
    assert owner_of_amina(web.app) == (GULNAR, GULNAR_PHONE)


def test_step1_pass_expires_after_15_minutes(web: Browser) -> None:
    step1(web)
    web.clock.advance(minutes=15, seconds=1)
    page = web.get("/ru/cabinet/reregister")
    assert "Время на Шаг 2 истекло" in text_of(page)


def test_applicant_must_be_a_parent(web: Browser) -> None:
    step1(web)
    page = get_code(web, iin=AIGERIM, phone="+77057546868")
    assert "Ваш ИИН должен быть ИИН мамы или папы" in text_of(page)


def test_phone_must_be_the_applicants_in_bmg(web: Browser) -> None:
    step1(web)
    page = get_code(web, phone=ARMAN_PHONE)
    assert "не зарегистрирован за вашим ИИН в БМГ" in text_of(page)
    assert notifications(web.app, ARMAN_PHONE) == []


@pytest.mark.parametrize("phone", ["", "12345", "+1 555 123 4567", "87017"])
def test_bad_phone_format(web: Browser, phone: str) -> None:
    step1(web)
    page = get_code(web, phone=phone)
    assert title_of(page).startswith("Ошибка: ") and 'href="#phone"' in page.get_data(as_text=True)


def test_phone_formats_are_accepted(web: Browser) -> None:
    step1(web)
    assert get_code(web, phone="8 (775) 987-65-43").status_code == 200
    assert finish(web, phone="7759876543", code=latest_code(web.app, MADINA_PHONE)).status_code == 302


def test_unbound_phone_gets_the_binding_steps_in_place(web: Browser) -> None:
    step1(web, parent1_iin=MADINA)
    page = get_code(web, iin=ARMAN, phone=ARMAN_PHONE)
    text = text_of(page)
    assert "не привязано приложение ed24.kz" in text
    assert "Шаг 2. Привяжите приложение к номеру" in text
    assert 'id="binding-otp"' in page.get_data(as_text=True)
    assert f'value="{ARMAN}"' in page.get_data(as_text=True)


def test_wrong_code_keeps_the_cabinet(web: Browser) -> None:
    step1(web)
    get_code(web)
    code = latest_code(web.app, MADINA_PHONE)
    page = finish(web, code=f"{(int(code) + 1) % 10000:04d}")
    assert "Неверный код" in text_of(page)
    assert owner_of_amina(web.app) == (GULNAR, GULNAR_PHONE)


def test_double_submit_moves_the_cabinet_once(web: Browser) -> None:
    step1(web)
    get_code(web)
    code = latest_code(web.app, MADINA_PHONE)
    first = finish(web, code=code)
    second = finish(web, code=code)
    assert first.status_code == 302
    assert second.status_code in (200, 302)
    with new_session(web.app) as db:
        assert len(db.scalars(select(Cabinet).where(Cabinet.iin == MADINA)).all()) == 1
    assert notifications(web.app, GULNAR_PHONE).count("rereg_away") == 1


def test_applicant_with_own_cabinet_gets_the_children_joined(web: Browser) -> None:
    from tests.helpers import make_app

    app = make_app()
    with new_session(app) as db:  # Madina already has a cabinet of her own
        db.add(Cabinet(iin=MADINA, phone=MADINA_PHONE, session_epoch=0,
                       created_at=web.clock.now()))
        db.commit()
    web = Browser(app)
    step1(web)
    get_code(web)
    assert finish(web).status_code == 302
    assert "дети добавлены в ваш Личный кабинет" in text_of(web.get("/ru/cabinet/"))
    with new_session(app) as db:
        assert db.scalar(select(Cabinet).where(Cabinet.iin == GULNAR)) is None
    assert owner_of_amina(app) == (MADINA, MADINA_PHONE)


def test_cancel_clears_the_flow(web: Browser) -> None:
    step1(web)
    out = web.post("/ru/cabinet/reregister", {"action": "cancel"})
    assert out.status_code == 302
    assert "Вы верно ответили" not in text_of(web.get("/ru/cabinet/reregister"))


def test_bmg_help_keeps_the_way_back(web: Browser, lang: str) -> None:
    page = web.get(f"/{lang}/help/bmg?back=reregister")
    assert page.status_code == 200
    assert f'href="/{lang}/cabinet/reregister"' in page.get_data(as_text=True)
    for needle in ("eGov", "ХҚКО" if lang == "kk" else "ЦОН", "egov.kz/services/CMDSearch"):
        assert needle in text_of(page)


def test_typed_step2_values_survive_a_look_at_the_bmg_help(web: Browser) -> None:
    step1(web)
    web.post("/ru/fragments/iin", {"applicant_iin": MADINA}, htmx=True,
             headers={"HX-Trigger-Name": "applicant_iin"})
    web.post("/ru/fragments/phone", {"phone": "8 775 987"}, htmx=True)
    assert web.get("/ru/help/bmg?back=reregister").status_code == 200
    page = web.get("/ru/cabinet/reregister").get_data(as_text=True)
    assert f'value="{MADINA}"' in page and 'value="8 775 987"' in page


def test_typed_step1_iins_survive_a_language_switch(web: Browser) -> None:
    web.get("/ru/cabinet/reregister")
    web.post("/ru/fragments/iin", {"parent1_iin": MADINA}, htmx=True,
             headers={"HX-Trigger-Name": "parent1_iin"})
    assert f'value="{MADINA}"' in web.get("/kk/cabinet/reregister").get_data(as_text=True)


def test_expiry_notice_is_said_once(web: Browser) -> None:
    step1(web)
    web.clock.advance(minutes=16)
    assert "Время на Шаг 2 истекло" in text_of(web.get("/ru/cabinet/reregister"))
    assert "Время на Шаг 2 истекло" not in text_of(web.get("/ru/cabinet/reregister"))


def test_every_typed_answer_survives_a_language_switch(web: Browser) -> None:
    step1(web, certificate="1111111")  # a mismatch: the page is shown again
    page = web.get("/kk/cabinet/reregister").get_data(as_text=True)
    for value in (AMINA, "1111111", MADINA, ARMAN):
        assert f'value="{value}"' in page
    assert 'value="queue" checked' in page
