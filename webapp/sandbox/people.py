"""People builders: a fresh, consistent person for a test, in one call.

Each person has valid IINs (check digits), a БМГ phone, a password where the kind
has one, and a child with its birth certificate and parents, so a test needs no
fixture file and two tests never share a parent.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import models
from ..services import iin as iin_rules
from ..services import passwords

KINDS = ("app_bound", "no_app", "no_password", "foreign_number")
_FIRST = ("Айгерим", "Дана", "Мадина", "Алия", "Жанар", "Ерлан", "Арман", "Нурлан", "Данияр", "Серик")
_LAST = ("Ахметов", "Сапаров", "Нурланов", "Сериков", "Жумабаев", "Касымов", "Омаров", "Бекенов")


@dataclass(frozen=True)
class Made:
    iin: str
    full_name: str
    phone: str


class _Builder:
    def __init__(self, db: Session, now: datetime) -> None:
        self.db, self.now = db, now

    def _free_iin(self, born: date, sex: int) -> str:
        while True:
            value = iin_rules.make(born, sex, f"{secrets.randbelow(10000):04d}")
            if self.db.get(models.Citizen, value) is None and self.db.get(models.Child, value) is None:
                return value

    def _free_phone(self) -> str:
        while True:
            phone = f"+77{secrets.choice(['01', '02', '05', '07', '47', '75', '76', '77'])}{secrets.randbelow(10**7):07d}"
            if self.db.scalar(select(models.CitizenPhone.id).where(models.CitizenPhone.phone == phone)) is None:
                return phone

    def citizen(self, *, woman: bool, born: date) -> Made:
        sex = 4 if woman else 3  # 1900s: 3 for men, 4 for women
        value = self._free_iin(born, sex)
        last = secrets.choice(_LAST) + ("а" if woman else "")
        name = f"{last} {secrets.choice(_FIRST[:5] if woman else _FIRST[5:])}"
        phone = self._free_phone()
        self.db.add(models.Citizen(iin=value, full_name=name, phones=[models.CitizenPhone(phone=phone)]))
        self.db.flush()
        return Made(value, name, phone)

    def cabinet(self, owner: Made, password: str | None) -> models.Cabinet:
        cabinet = models.Cabinet(iin=owner.iin, phone=owner.phone, session_epoch=0, security_epoch=0,
                                 created_at=self.now,
                                 password_hash=passwords.hash_password(password) if password else None)
        self.db.add(cabinet)
        self.db.flush()
        return cabinet

    def app(self, phone: str) -> None:
        self.db.add(models.AppDevice(phone=phone, bound_phone=phone, bound_at=self.now, last_seen_at=self.now))

    def child(self, parents: list[Made], cabinet: models.Cabinet | None) -> dict[str, Any]:
        value = self._free_iin(date(2021, 1 + secrets.randbelow(12), 1 + secrets.randbelow(28)), 5)
        name = f"{parents[0].full_name.split()[0]} {secrets.choice(('Алихан', 'Айлин', 'Тимур', 'Амина'))}"
        certificate = f"I-АЛ {secrets.randbelow(10**7):07d}"
        self.db.add(models.Child(iin=value, full_name=name, birth_certificate=certificate,
                                 parent1_iin=parents[0].iin, parent2_iin=parents[1].iin if len(parents) > 1 else None,
                                 status="queue", cabinet_id=cabinet.id if cabinet else None))
        return {"iin": value, "full_name": name, "birth_certificate": certificate,
                "parents": [p.iin for p in parents], "status": "queue"}


def new_password() -> str:
    return f"Samal#{secrets.token_hex(4)}7Q"


def _describe(made: Made, **more: Any) -> dict[str, Any]:
    return {"iin": made.iin, "full_name": made.full_name, "phone": made.phone, **more}


def build(db: Session, kind: str, now: datetime) -> dict[str, Any]:
    """Add a person of this kind (committed) and describe everything a test needs."""
    make = _Builder(db, now)
    mother = make.citizen(woman=True, born=date(1990 + secrets.randbelow(8), 1 + secrets.randbelow(12), 10))
    father = make.citizen(woman=False, born=date(1985 + secrets.randbelow(8), 1 + secrets.randbelow(12), 20))
    answer: dict[str, Any] = {"kind": kind}
    if kind == "foreign_number":
        # The child's cabinet is held on someone else's number, which БМГ now lists under a
        # third person: the mother re-registers it onto her own IIN and phone.
        holder = make.citizen(woman=True, born=date(1965, 11, 20))
        cabinet = make.cabinet(holder, new_password())
        stranger = make.citizen(woman=False, born=date(1979, 3, 3))
        db.query(models.CitizenPhone).filter_by(phone=holder.phone).delete()
        db.query(models.CitizenPhone).filter_by(phone=stranger.phone).update({"phone": holder.phone})
        make.app(mother.phone)
        answer["holder"] = _describe(holder, cabinet_phone=holder.phone, bmg_lists_the_number_under=stranger.iin)
        answer["person"] = _describe(mother, password=None, app_bound=True, has_cabinet=False)
    else:
        password = None if kind == "no_password" else new_password()
        cabinet = make.cabinet(mother, password)
        if kind != "no_app":
            make.app(mother.phone)
        answer["person"] = _describe(mother, password=password, app_bound=kind != "no_app", has_cabinet=True)
    answer["child"] = make.child([mother, father], cabinet)
    answer["other_parent"] = _describe(father)
    db.commit()
    return answer
