"""Load sandbox data (the contract's JSON schema): validate everything, then replace all."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import String, delete
from sqlalchemy.orm import Session

from .. import models
from ..services import iin as iin_rules
from ..services import passwords, phone as phone_rules
from ..services.reregistration import STATUSES

DEMO = Path(__file__).resolve().parent / "demo.json"
SCHEMA = Path(__file__).resolve().parent / "schema.json"
# The sandbox's own settings (the clock) and the namespaces survive a load; everything
# else is replaced.
KEPT = frozenset({models.SandboxSetting.__tablename__, models.SandboxNamespace.__tablename__})


class SandboxDataError(ValueError):
    """The file is wrong; `location` says where (e.g. "children[0].parents[1]")."""

    def __init__(self, location: str, problem: str) -> None:
        super().__init__(f"{location}: {problem}")
        self.location = location
        self.problem = problem


@dataclass
class _Reader:
    path: str
    value: Any

    def at(self, key: str | int) -> _Reader:
        if isinstance(key, int):
            return _Reader(f"{self.path}[{key}]", self.value[key])
        if not isinstance(self.value, dict):
            self.fail("must be an object")
        location = f"{self.path}.{key}" if self.path else key
        return _Reader(location, self.value.get(key))

    def fail(self, problem: str) -> Any:
        raise SandboxDataError(self.path or "(top level)", problem)

    def items(self, optional: bool = False) -> list[_Reader]:
        if self.value is None and optional:
            return []
        if not isinstance(self.value, list):
            self.fail("must be a list")
        return [self.at(i) for i in range(len(self.value))]

    def text(self, optional: bool = False) -> str | None:
        if self.value is None and optional:
            return None
        if not isinstance(self.value, str) or not self.value.strip():
            self.fail("must be a non-empty string")
        return self.value

    def iin(self) -> str:
        cleaned, error = iin_rules.validate(self.text())
        if error:
            self.fail(f"not a valid IIN ({error.value})")
        return cleaned

    def text_for(self, column: Any) -> str:
        """A non-empty string that fits the column it is stored in (PostgreSQL refuses longer)."""
        value = self.text()
        assert value is not None
        limit = cast(String, column.type).length
        if limit is not None and len(value) > limit:
            self.fail(f"at most {limit} characters")
        return value

    def iin_or_none(self) -> str | None:
        return None if self.value is None else self.iin()

    def phone(self) -> str:
        value, error = phone_rules.normalise(self.text())
        if error:
            self.fail("not a Kazakhstan mobile number")
        return value


_SECTIONS = ("citizens", "cabinets", "children", "app_devices")


def schema() -> dict[str, Any]:
    value: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return value


def _check_schema(data: Any) -> None:
    """The JSON Schema (schema.json) first: unknown keys, types, an empty body."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    error = min(validator.iter_errors(data), key=lambda e: list(e.absolute_path), default=None)
    if error is None:
        return
    location = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        location, problem = ".".join(filter(None, [location, extra[0] if extra else ""])), "unknown key"
    elif error.validator == "minProperties":
        problem = "must not be empty: give at least one section (citizens, cabinets, children, app_devices)"
    else:
        problem = error.message
    raise SandboxDataError(location or "(top level)", problem)


def parse(data: Any) -> dict[str, list[dict[str, Any]]]:
    """Check the whole file and return plain rows; raises SandboxDataError."""
    top = _Reader("", data)
    if not isinstance(data, dict):
        top.fail("must be a JSON object")
    _check_schema(data)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in _SECTIONS}
    seen_phones: dict[str, str] = {}
    for c in top.at("citizens").items(optional=True):
        iin = c.at("iin").iin()
        if any(row["iin"] == iin for row in out["citizens"]):
            c.at("iin").fail("duplicate citizen")
        phones = []
        for p in c.at("phones").items(optional=True):
            number = p.phone()
            if number in seen_phones:
                p.fail(f"already registered to {seen_phones[number]}")
            seen_phones[number] = iin
            phones.append(number)
        out["citizens"].append({"iin": iin, "full_name": c.at("full_name").text_for(models.Citizen.full_name),
                                "phones": phones})
    for c in top.at("cabinets").items(optional=True):
        iin = c.at("iin").iin()
        if any(row["iin"] == iin for row in out["cabinets"]):
            c.at("iin").fail("duplicate cabinet")
        password = c.at("password").text(optional=True)
        if password is not None and not passwords.check(password).ok:
            c.at("password").fail("does not meet the password rules")
        out["cabinets"].append({"iin": iin, "phone": c.at("phone").phone(), "password": password})
    cabinet_iins = {row["iin"] for row in out["cabinets"]}
    for c in top.at("children").items(optional=True):
        iin = c.at("iin").iin()
        if any(row["iin"] == iin for row in out["children"]):
            c.at("iin").fail("duplicate child")
        parents = [p.iin() for p in c.at("parents").items()]
        if not 1 <= len(parents) <= 2:
            c.at("parents").fail("must list one or two parents")
        status = c.at("status").text()
        if status not in STATUSES:
            c.at("status").fail(f"must be one of {', '.join(STATUSES)}")
        cabinet_iin = c.at("cabinet_iin").iin_or_none()
        if cabinet_iin is not None and cabinet_iin not in cabinet_iins:
            c.at("cabinet_iin").fail("no cabinet with this IIN in the file")
        out["children"].append({
            "iin": iin, "full_name": c.at("full_name").text_for(models.Child.full_name),
            "birth_certificate": c.at("birth_certificate").text_for(models.Child.birth_certificate),
            "parents": parents, "status": status, "cabinet_iin": cabinet_iin,
        })
    for d in top.at("app_devices").items(optional=True):
        out["app_devices"].append({"phone": d.at("phone").phone()})
    return out


def load(db: Session, data: Any, now: datetime) -> dict[str, int]:
    """Replace all data with the file's, in one transaction; counts per section."""
    rows = parse(data)
    for table in reversed(models.Base.metadata.sorted_tables):
        if table.name not in KEPT:
            db.execute(delete(table))
    for c in rows["citizens"]:
        db.add(models.Citizen(iin=c["iin"], full_name=c["full_name"],
                              phones=[models.CitizenPhone(phone=p) for p in c["phones"]]))
    cabinets: dict[str, models.Cabinet] = {}
    for c in rows["cabinets"]:
        cabinets[c["iin"]] = models.Cabinet(
            iin=c["iin"], phone=c["phone"], session_epoch=0, created_at=now,
            password_hash=passwords.hash_password(c["password"]) if c["password"] else None,
        )
        db.add(cabinets[c["iin"]])
    db.flush()
    for c in rows["children"]:
        parents = c["parents"] + [None]
        db.add(models.Child(
            iin=c["iin"], full_name=c["full_name"], birth_certificate=c["birth_certificate"],
            parent1_iin=parents[0], parent2_iin=parents[1], status=c["status"],
            cabinet_id=cabinets[c["cabinet_iin"]].id if c["cabinet_iin"] else None,
        ))
    for d in rows["app_devices"]:
        db.add(models.AppDevice(phone=d["phone"], bound_phone=d["phone"], bound_at=now, last_seen_at=now))
    db.commit()
    return {name: len(items) for name, items in rows.items()}


def read_file(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise SandboxDataError(f"line {exc.lineno} column {exc.colno}",
                               f"not valid JSON: {exc.msg}") from None
    except OSError as exc:
        raise SandboxDataError(path, exc.strerror or "cannot be read") from None
