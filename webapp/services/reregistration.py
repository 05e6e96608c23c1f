"""Re-registration (переоформление) of a cabinet onto the child's legal representative."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..models import Cabinet, CabinetEvent, Child
from . import accounts
from .audit import audit, feed
from .gateways import AppNotifier, ChildRecord, GatewayUnavailable, Registry
from .limits import Limit, blocked_for, record

STATUSES = ("attends", "queue")
ATTEMPTS_PER_CHILD = Limit("rereg_child", 5, timedelta(hours=1))
# A passed step 1 is good for this long in the session that passed it.
STEP1_VALID_FOR = timedelta(minutes=15)
CODE_PURPOSE = "reregister"

_CERT_NOISE = re.compile(r"[\s№#]")


def client_limit(max_attempts: int) -> Limit:
    return Limit("rereg_client", max_attempts, timedelta(hours=1))


def normalise_certificate(raw: str | None) -> str:
    """Compare certificate numbers without spaces and "№", case-insensitively."""
    return _CERT_NOISE.sub("", raw or "").upper()


@dataclass(frozen=True)
class Answers:
    child_iin: str
    certificate: str
    parent1_iin: str
    parent2_iin: str  # "" when the certificate names one parent
    status: str


def matches(record: ChildRecord | None, answers: Answers) -> bool:
    """All answers agree with the registry, or the whole step fails."""
    if record is None:
        return False
    named = tuple(p for p in (answers.parent1_iin, answers.parent2_iin) if p)
    return (
        normalise_certificate(record.birth_certificate) == normalise_certificate(answers.certificate)
        and tuple(record.parents) == named
        and record.status == answers.status
    )


@dataclass(frozen=True)
class Passed:
    child_iin: str
    parents: tuple[str, ...]


@dataclass(frozen=True)
class Mismatch:
    locked_for: timedelta | None = None


@dataclass(frozen=True)
class Locked:
    locked_for: timedelta


class Unavailable(enum.Enum):
    """The registry did not answer: nothing was counted."""

    REGISTRY = "registry"


def lock_left(db: Session, child_iin: str, client: str, now: datetime,
              per_client: Limit) -> timedelta | None:
    waits = [w for w in (blocked_for(db, ATTEMPTS_PER_CHILD, child_iin, now),
                         blocked_for(db, per_client, client, now)) if w]
    return max(waits) if waits else None


def check_answers(db: Session, registry: Registry, answers: Answers, *, client: str,
                  now: datetime, per_client: Limit) -> Passed | Mismatch | Locked | Unavailable:
    wait = lock_left(db, answers.child_iin, client, now, per_client)
    if wait:
        return Locked(wait)
    try:
        found = registry.child(answers.child_iin)
    except GatewayUnavailable:
        return Unavailable.REGISTRY
    ok = matches(found, answers)
    audit(db, "rereg_step1_passed" if ok else "rereg_step1_failed", now,
          subject=answers.child_iin, client=client)
    if ok:
        assert found is not None
        return Passed(child_iin=found.iin, parents=tuple(found.parents))
    record(db, ATTEMPTS_PER_CHILD, answers.child_iin, now)
    record(db, per_client, client, now)
    return Mismatch(lock_left(db, answers.child_iin, client, now, per_client))


class ApplicantError(enum.Enum):
    NOT_A_PARENT = "not_a_parent"
    PHONE_NOT_IN_BMG = "phone_not_in_bmg"


def check_applicant(registry: Registry, parents: tuple[str, ...], applicant_iin: str,
                    phone: str) -> ApplicantError | Unavailable | None:
    """The applicant must be a parent on the certificate, with the phone theirs in БМГ."""
    if applicant_iin not in parents:
        return ApplicantError.NOT_A_PARENT
    try:
        phones = registry.phones_of(applicant_iin)
    except GatewayUnavailable:
        return Unavailable.REGISTRY
    return None if phone in phones else ApplicantError.PHONE_NOT_IN_BMG


def code_subject(child_iin: str) -> str:
    return f"rereg:{child_iin}"


class Outcome(enum.Enum):
    MOVED = "moved"    # the cabinet now belongs to the applicant
    JOINED = "joined"  # the children joined the applicant's own cabinet


@dataclass(frozen=True)
class Done:
    cabinet: Cabinet
    outcome: Outcome


def complete(db: Session, notifier: AppNotifier, *, child_iin: str, applicant_iin: str,
             phone: str, password: str, client: str | None, now: datetime) -> Done:
    """Move the child's cabinet (all its children) to the applicant; caller commits once."""
    child = db.get(Child, child_iin)
    if child is None:
        raise LookupError(child_iin)
    source = child.cabinet
    target = accounts.find(db, applicant_iin)
    old_phone = source.phone if source is not None else None
    if target is None and source is not None:
        target, outcome = source, Outcome.MOVED
        target.iin = applicant_iin
    elif target is None:
        target = Cabinet(iin=applicant_iin, phone=phone, session_epoch=0, created_at=now)
        db.add(target)
        db.flush()
        child.cabinet = target
        outcome = Outcome.MOVED
    else:
        outcome = Outcome.JOINED
        if source is not None and source.id != target.id:
            for moved in list(source.children):
                moved.cabinet = target
            source.session_epoch += 1
            db.flush()
            db.execute(delete(CabinetEvent).where(CabinetEvent.cabinet_id == source.id))
            db.delete(source)
        elif source is None:
            child.cabinet = target
    target.phone = phone
    db.flush()
    accounts.set_password(db, target, password, now, client=client, first=False)
    feed(db, target.id, "reregistered", now, outcome=outcome.value)
    audit(db, "reregistered", now, subject=child_iin, client=client,
          outcome=outcome.value, cabinet=target.id)
    notices = [(phone, "rereg_here")]
    if old_phone and old_phone != phone:
        notices.insert(0, (old_phone, "rereg_away"))
    for notify_phone, kind in notices:
        if notifier.is_bound(notify_phone):
            try:
                notifier.send(notify_phone, kind, {})
            except GatewayUnavailable:
                pass  # the move stands; the cabinet's Лента событий records it either way
    return Done(target, outcome)
