"""Re-registration without JavaScript, in both languages: Шаг 1, the three parts of Шаг 2."""
from __future__ import annotations

import pytest

from tests.helpers import (AMINA, ARMAN, ARMAN_PHONE, GULNAR, GULNAR_PASSWORD, GULNAR_PHONE, MADINA,
                           MADINA_PHONE, Browser, Page, kinds, latest_code, latest_sms_otp, t)

PASSWORD = "Amina!Kezek2026"


def through_step1(web: Browser, lang: str) -> Page:
    return Page(web.get(web.answer_step1(lang).headers["Location"]))


def to_password_part(web: Browser, lang: str) -> None:
    through_step1(web, lang)
    web.post(f"/{lang}/cabinet/reregister/applicant", {"applicant_iin": MADINA, "phone": MADINA_PHONE})
    web.post(f"/{lang}/cabinet/reregister/code", {"code": latest_code(web.app, MADINA_PHONE)})


def test_step1_texts(web: Browser, lang: str) -> None:
    page = web.page(f"/{lang}/cabinet/reregister")
    assert t(lang, "Шаг 1") in page.text
    for label in ("ИИН ребенка", "Номер свидетельства о рождении", "Введите ИИН мамы/папы",
                  "Ребенок состоит в очереди или ходит в детский сад?", "Ходит в детский сад", "Стоит в очереди"):
        assert t(lang, label) in page.text
    assert page.buttons()[:2] == [t(lang, "Далее"), t(lang, "Отмена")]


def test_the_whole_journey(web: Browser, lang: str) -> None:
    step2 = through_step1(web, lang)
    assert t(lang, "Вы верно ответили на все вопросы!") in step2.text
    assert step2.has_field("applicant_iin") and not step2.has_field("code") and not step2.has_field("password")
    sent = web.submit(f"/{lang}/cabinet/reregister/applicant", {"applicant_iin": MADINA, "phone": "8 775 987 65 43"})
    assert t(lang, "Уведомление с кодом должно прийти в приложение ed24.kz в течение 60 сек.") in sent.text
    assert sent.has_field("code") and not sent.has_field("applicant_iin")
    assert MADINA in sent.text and t(lang, "Изменить") in sent.buttons()
    confirmed = web.submit(f"/{lang}/cabinet/reregister/code", {"code": latest_code(web.app, MADINA_PHONE)})
    assert confirmed.has_field("password") and t(lang, "Код подтверждён") in confirmed.text
    done = web.post(f"/{lang}/cabinet/reregister/finish", {"password": PASSWORD, "password_repeat": PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/{lang}/cabinet/")
    cabinet = web.page(f"/{lang}/cabinet/")
    assert "Серикова Амина" in cabinet.text
    assert t(lang, "Личный кабинет переоформлен на ваш ИИН и номер %(phone)s. Вход выполнен.",
             phone="+777****6543") in cabinet.notices()
    assert kinds(web.app, GULNAR_PHONE)[-1] == "app:rereg_away"   # the previous holder is told
    assert kinds(web.app, MADINA_PHONE)[-1] == "app:rereg_here"
    assert Browser(web.app).sign_in("ru", MADINA, PASSWORD).status_code == 302


def test_the_previous_holder_keeps_nothing_and_the_new_owner_sees_none_of_their_history(app) -> None:
    gulnar = Browser(app)
    gulnar.sign_in("ru", GULNAR, GULNAR_PASSWORD)
    madina = Browser(app)
    to_password_part(madina, "ru")
    madina.post("/ru/cabinet/reregister/finish", {"password": PASSWORD, "password_repeat": PASSWORD})
    assert gulnar.get("/ru/cabinet/").status_code == 302  # her session ended
    feed = madina.page("/ru/cabinet/")
    assert "Вход в Личный кабинет" not in feed.text  # Гульнар's sign-ins are not shown to Мадина
    assert "переоформлен" in feed.text
    again = Browser(app)
    again.sign_in("ru", GULNAR, GULNAR_PASSWORD)
    own = again.page("/ru/cabinet/")
    assert "Серикова Амина" not in own.text
    assert t("ru", "В Личном кабинете пока нет детей.") in own.text


@pytest.mark.parametrize("changes", [
    {"certificate": "0567891"}, {"parent1_iin": ARMAN, "parent2_iin": MADINA}, {"status": "attends"},
    {"parent2_iin": ""}, {"child_iin": "210610501239"},
])
def test_any_wrong_answer_gets_one_generic_message_with_tries_left(web: Browser, lang: str, changes) -> None:
    page = Page(web.answer_step1(lang, **changes))
    message = t(lang, "Ответы не совпадают с данными о ребенке. Проверьте все ответы и попробуйте ещё раз. "
                      "Осталось попыток: %(num)d.", num=4)
    assert message in page.notices()
    assert page.value("child_iin") == changes.get("child_iin", AMINA)  # nothing typed is lost


def test_five_wrong_answers_lock_for_an_hour(web: Browser) -> None:
    for _ in range(5):
        page = Page(web.answer_step1("ru", status="attends"))
    assert "Слишком много неверных ответов" in page.text and "через 1 час" in page.text
    assert "Слишком много неверных ответов" in Page(web.answer_step1("ru")).text


def test_the_error_summary_is_in_field_order_and_names_each_field(web: Browser, lang: str) -> None:
    page = Page(web.post(f"/{lang}/cabinet/reregister/answers",
                         {"child_iin": "", "certificate": "", "parent1_iin": "1", "parent2_iin": "2"}))
    names = [line.split(":")[0] for line in page.summary]
    assert names == [t(lang, n) for n in ("ИИН ребенка", "Номер свидетельства", "ИИН первого родителя",
                                          "ИИН второго родителя", "Очередь или детский сад")]
    assert len(set(page.summary)) == len(page.summary)


def test_a_status_outside_the_choices_is_refused_in_words(web: Browser) -> None:
    page = Page(web.answer_step1("ru", status="sleeping"))
    assert "Выберите, ходит ли ребенок в детский сад или стоит в очереди" in page.error("status")


@pytest.mark.parametrize("iin, phone, field, message", [
    ("880302301234", MADINA_PHONE, "applicant_iin", "Ваш ИИН должен совпадать с ИИН мамы или папы, указанным в Шаге 1"),
    (MADINA, "+77010000000", "phone", "Этот номер не зарегистрирован на ваш ИИН в Базе мобильных граждан (БМГ)"),
    (ARMAN, MADINA_PHONE, "phone", "Этот номер не зарегистрирован на ваш ИИН в Базе мобильных граждан (БМГ)"),
])
def test_applicant_checks(web: Browser, iin: str, phone: str, field: str, message: str) -> None:
    through_step1(web, "ru")
    page = Page(web.post("/ru/cabinet/reregister/applicant", {"applicant_iin": iin, "phone": phone}))
    assert message in page.error(field) and "Осталось попыток: 4." in page.error(field)
    assert kinds(web.app, MADINA_PHONE) == []


def test_a_phone_without_the_app_gets_the_binding_steps_in_place_by_sms(web: Browser, lang: str) -> None:
    through_step1(web, lang)
    page = web.submit(f"/{lang}/cabinet/reregister/applicant", {"applicant_iin": ARMAN, "phone": ARMAN_PHONE})
    assert t(lang, "Получить одноразовый пароль по SMS") in page.buttons()
    assert "ED24BIND" not in page.html and not page.soup.select("#binding-otp")
    web.post(f"/{lang}/cabinet/reregister/sms")
    otp = latest_sms_otp(web.app, ARMAN_PHONE)
    phone = Browser(web.app)
    phone.post(f"/{lang}/sandbox/app/phone", {"phone": ARMAN_PHONE, "consent": "y"})
    phone.post(f"/{lang}/sandbox/app/otp", {"otp": otp})
    sent = web.submit(f"/{lang}/cabinet/reregister/applicant", {"applicant_iin": ARMAN, "phone": ARMAN_PHONE})
    assert sent.has_field("code")
    assert kinds(web.app, ARMAN_PHONE)[-1] == "app:code"


def test_change_cancels_the_later_parts(web: Browser) -> None:
    to_password_part(web, "ru")
    page = web.submit("/ru/cabinet/reregister/change")
    assert page.has_field("applicant_iin") and not page.has_field("password")
    assert page.value("applicant_iin") == MADINA


def test_enter_in_every_part_does_that_parts_main_action(web: Browser) -> None:
    """Each part is its own form whose first submit button is its main one."""
    expectations = {"applicant_iin": "Получить код", "code": "Подтвердить", "password": "Переоформить"}
    through_step1(web, "ru")
    seen = {}
    for _ in range(3):
        page = web.page("/ru/cabinet/reregister")
        for field in expectations:
            el = page.soup.find(id=field)
            if el is not None:
                form = el.find_parent("form")
                first = next(b for b in form.find_all("button") if b.get("type", "submit") == "submit")
                seen[field] = first.get_text(strip=True)
        if page.has_field("applicant_iin"):
            web.post("/ru/cabinet/reregister/applicant", {"applicant_iin": MADINA, "phone": MADINA_PHONE})
        elif page.has_field("code"):
            web.post("/ru/cabinet/reregister/code", {"code": latest_code(web.app, MADINA_PHONE)})
    assert seen == expectations


def test_step2_needs_a_passed_step1_that_still_holds(web: Browser) -> None:
    assert web.post("/ru/cabinet/reregister/applicant", {"applicant_iin": MADINA, "phone": MADINA_PHONE}) \
        .headers["Location"].endswith("/ru/cabinet/reregister")
    through_step1(web, "ru")
    web.clock.advance(minutes=20)
    web.get("/ru/cabinet/reregister")
    web.clock.advance(minutes=10)
    page = web.page("/ru/cabinet/reregister")
    assert t("ru", "Время на Шаг 2 истекло. Ответьте на вопросы ещё раз.") in page.text
    assert page.value("child_iin") == AMINA


def test_cancel_forgets_everything(web: Browser, lang: str) -> None:
    through_step1(web, lang)
    out = web.submit(f"/{lang}/cabinet/reregister/cancel")
    assert t(lang, "Переоформление отменено.") in out.notices()
    assert web.page(f"/{lang}/cabinet/reregister").value("child_iin") in ("", None)


def test_the_language_switch_keeps_the_part(web: Browser) -> None:
    through_step1(web, "ru")
    web.post("/ru/cabinet/reregister/applicant", {"applicant_iin": MADINA, "phone": MADINA_PHONE})
    page = web.page("/kk/cabinet/reregister")
    assert page.has_field("code") and MADINA in page.text


def test_a_simultaneous_double_submit_moves_the_cabinet_once(tmp_path) -> None:
    import os
    import threading

    from sqlalchemy import select

    from tests.helpers import make_app
    from webapp.db import new_session
    from webapp.models import Cabinet

    app = make_app(os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'race.sqlite3'}")
    web = Browser(app)
    to_password_part(web, "ru")
    form = {"password": PASSWORD, "password_repeat": PASSWORD, "csrf_token": web.token()}
    cookie = web.client.get_cookie("ed24_session").value
    results: list[int] = []
    start = threading.Barrier(2)

    def submit() -> None:
        client = app.test_client()
        client.set_cookie("ed24_session", cookie)
        start.wait()
        results.append(client.post("/ru/cabinet/reregister/finish", data=form).status_code)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(code < 500 for code in results), results
    with new_session(app) as db:
        assert len(db.scalars(select(Cabinet).where(Cabinet.iin == MADINA)).all()) == 1
    assert kinds(app, GULNAR_PHONE).count("app:rereg_away") == 1
    app.extensions["db_engine"].dispose()
