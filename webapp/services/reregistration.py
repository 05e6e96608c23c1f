"""Re-registration (переоформление) of a cabinet onto a parent's own IIN and БМГ phone.

Шаг 1: the child's IIN, birth certificate, parents and status must all match the
registry together (one generic refusal; tries are counted before they are
compared). Шаг 2, three parts: (a) the applicant's IIN (a parent named in Шаг
1) and a phone registered to that IIN in БМГ, (b) the code sent to that phone's
app, (c) the new password. On success the children whose certificate names the
applicant move to the applicant's cabinet (a new one, or the one they have),
old sessions end and both phones are told.
"""
from __future__ import annotations

import enum
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..models import Cabinet, Child
from . import accounts, binding, codes, limits
from .audit import audit, feed
from .context import Deps
from .gateways import ChildRecord, GatewayUnavailable, tell
from .limits import Limit
from .phone import mask
from .state import FlowState

STATUSES = ("attends", "queue")
PURPOSE = "reregister"
STEP1_HOLDS = timedelta(minutes=30)
CONFIRMATION_HOLDS = timedelta(minutes=30)
# Wrong answers (Шаг 1, and Шаг 2's "who are you" part): per (child, client) and per child.
WRONG_NEAR = Limit("rereg_wrong_near", 5, timedelta(hours=1), lockout=timedelta(hours=1))
WRONG_CHILD = Limit("rereg_wrong_child", 20, timedelta(hours=24), lockout=timedelta(hours=24))

_CERT_NOISE = re.compile(r"[\s№#]")


def wrong_per_address(size: int) -> Limit:
    return Limit("rereg_wrong_client", size, timedelta(hours=1), lockout=timedelta(hours=1))


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


class Part(enum.Enum):
    """Шаг 2 has three parts; BIND is part (a) with the app's binding steps opened."""

    APPLICANT = "applicant"
    BIND = "bind"
    CODE = "code"
    PASSWORD = "password"


def _nonce() -> str:
    return secrets.token_urlsafe(16)


@dataclass
class ReregState(FlowState):
    answers: dict[str, str] = field(default_factory=dict)  # Шаг 1 as typed, kept for a reload
    child_iin: str = ""            # set once Шаг 1 passed
    parents: list[str] = field(default_factory=list)
    passed_at: datetime | None = None
    expired: bool = False          # a passed Шаг 1 ran out: said once
    part: Part = Part.APPLICANT
    applicant_iin: str = ""
    phone: str = ""
    nonce: str = field(default_factory=_nonce)
    sms_sent: bool = False
    confirmed_until: datetime | None = None

    def passed(self, now: datetime) -> bool:
        """Шаг 1 passed in this session and still holds; forgets it once it ran out."""
        if not self.child_iin or self.passed_at is None:
            return False
        if now - self.passed_at < STEP1_HOLDS:
            return True
        self.child_iin, self.parents, self.passed_at, self.expired = "", [], None, True
        self.change_applicant()
        return False

    def change_applicant(self) -> None:
        """"Изменить" on part (a) cancels the later parts."""
        self.part, self.sms_sent, self.confirmed_until = Part.APPLICANT, False, None


@dataclass(frozen=True)
class Passed:
    pass


@dataclass(frozen=True)
class Mismatch:
    tries_left: int
    locked_for: timedelta | None = None


@dataclass(frozen=True)
class Locked:
    wait: timedelta


class Unavailable(enum.Enum):
    """The registry did not answer: nothing was counted."""

    REGISTRY = "registry"


class ApplicantError(enum.Enum):
    NOT_A_PARENT = "not_a_parent"
    PHONE_NOT_IN_BMG = "phone_not_in_bmg"


@dataclass(frozen=True)
class WrongApplicant:
    error: ApplicantError
    tries_left: int
    locked_for: timedelta | None = None


@dataclass(frozen=True)
class NeedsApp:
    """The phone has no bound app: part (a) shows the binding steps in place."""


class Outcome(enum.Enum):
    NEW = "new"        # a new cabinet on the applicant's IIN
    JOINED = "joined"  # the children joined the applicant's own cabinet


@dataclass(frozen=True)
class Done:
    cabinet: Cabinet
    outcome: Outcome
    children: int


class Reregistration:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def _wrong_limits(self, child_iin: str) -> list[tuple[Limit, str]]:
        client = self.deps.client
        return [(wrong_per_address(self.deps.address_limits.rereg_failures), client.address),
                (WRONG_NEAR, f"{child_iin}|addr:{client.address}"),
                (WRONG_CHILD, child_iin)]

    def _count_try(self, child_iin: str) -> list[limits.Taken] | Locked:
        counted = limits.take_all(self.deps.db, self._wrong_limits(child_iin), self.deps.now)
        self.deps.db.commit()  # counted before the answers are compared
        return Locked(counted.wait) if isinstance(counted, limits.Blocked) else counted

    def _wrong(self, child_iin: str, counted: list[limits.Taken]) -> tuple[int, timedelta | None]:
        left = min(t.left for t in counted)
        wait = limits.longest_wait(self.deps.db, self._wrong_limits(child_iin), self.deps.now)
        return left, wait if left == 0 else None

    def answer(self, state: ReregState, answers: Answers) -> Passed | Mismatch | Locked | Unavailable:
        deps = self.deps
        state.answers = {k: v for k, v in answers.__dict__.items()}
        counted = self._count_try(answers.child_iin)
        if isinstance(counted, Locked):
            return counted
        try:
            found = deps.registry.child(answers.child_iin)
        except GatewayUnavailable:
            limits.release_all(deps.db, counted)
            deps.db.commit()
            return Unavailable.REGISTRY
        ok = matches(found, answers)
        audit(deps.db, "rereg_step1_passed" if ok else "rereg_step1_failed", deps.now,
              subject=answers.child_iin, client=deps.client.address)
        if not ok:
            deps.db.commit()
            left, wait = self._wrong(answers.child_iin, counted)
            return Mismatch(tries_left=left, locked_for=wait)
        assert found is not None
        limits.release_all(deps.db, counted)
        deps.db.commit()
        state.child_iin, state.parents = found.iin, list(found.parents)
        state.passed_at, state.expired = deps.now, False
        state.applicant_iin, state.phone = "", ""
        state.change_applicant()
        return Passed()

    def target(self, state: ReregState) -> codes.Target:
        return codes.Target(PURPOSE, f"rereg:{state.child_iin}", state.phone, None)

    def applicant(self, state: ReregState, iin: str, phone: str) -> object:
        """Part (a), "Получить код": the applicant is a parent of Шаг 1 and the phone is
        theirs in БМГ. A wrong answer is counted like a wrong answer of Шаг 1, so this
        part cannot be used to look up whose phone is whose."""
        deps = self.deps
        state.applicant_iin, state.phone = iin, phone
        state.change_applicant()
        counted = self._count_try(state.child_iin)
        if isinstance(counted, Locked):
            return counted
        error = None
        if iin not in state.parents:
            error = ApplicantError.NOT_A_PARENT
        else:
            try:
                registered = phone in deps.registry.phones_of(iin)
            except GatewayUnavailable:
                limits.release_all(deps.db, counted)
                deps.db.commit()
                return Unavailable.REGISTRY
            if not registered:
                error = ApplicantError.PHONE_NOT_IN_BMG
        if error is not None:
            left, wait = self._wrong(state.child_iin, counted)
            return WrongApplicant(error, left, wait)
        limits.release_all(deps.db, counted)
        deps.db.commit()
        if not deps.notifier.is_bound(phone):
            state.part = Part.BIND
            return NeedsApp()
        result = codes.send(deps, self.target(state), state.nonce)
        if isinstance(result, codes.Sent):
            state.part = Part.CODE
        return result

    def send_sms(self, state: ReregState) -> object:
        """Part (a) with no app on the phone: the binding password by SMS to it."""
        if state.part is not Part.BIND:
            return binding.SendFailed()
        result = binding.send_sms(self.deps, state.phone, None)
        if isinstance(result, binding.SmsSent):
            state.sms_sent = True
        return result

    def resend(self, state: ReregState) -> object:
        if state.part is not Part.CODE:
            return codes.Refusal.NO_CODE
        return codes.send(self.deps, self.target(state), state.nonce)

    def resend_in(self, state: ReregState) -> int:
        return codes.resend_in(self.deps, self.target(state)) if state.phone else 0

    def confirm(self, state: ReregState, code: str) -> object:
        if state.part is not Part.CODE:
            return codes.Refusal.NO_CODE
        result = codes.verify(self.deps, self.target(state), state.nonce, code)
        if isinstance(result, codes.Verified):
            state.part = Part.PASSWORD
            state.confirmed_until = self.deps.now + CONFIRMATION_HOLDS
        return result

    def finish(self, state: ReregState, password: str) -> Done | accounts.NotYet:
        """Part (c), "Переоформить": move the children; left uncommitted so the parent's
        new session joins the same transaction."""
        refusal = accounts.confirmed_password(
            self.deps, confirmed_until=state.confirmed_until if state.part is Part.PASSWORD else None,
            nonce=state.nonce, password=password, iin=state.applicant_iin, phone=state.phone)
        if isinstance(refusal, accounts.ConfirmationExpired):
            state.change_applicant()
        return refusal or self._complete(state, password)

    def _complete(self, state: ReregState, password: str) -> Done:
        deps, db, now = self.deps, self.deps.db, self.deps.now
        child = db.get(Child, state.child_iin)
        if child is None:
            raise LookupError(state.child_iin)
        source = child.cabinet
        target = accounts.find(db, state.applicant_iin)
        outcome = Outcome.JOINED if target is not None else Outcome.NEW
        if target is None:
            target = Cabinet(iin=state.applicant_iin, phone=state.phone, session_epoch=0, created_at=now)
            db.add(target)
            db.flush()
        # Only the children whose certificate names the applicant move.
        moving = [child] if source is None else [
            c for c in source.children if state.applicant_iin in c.parents or c.iin == child.iin]
        old_phone = source.phone if source is not None else None
        if source is not None and source.id != target.id:
            for moved in moving:
                moved.cabinet = target
            source.session_epoch += 1  # the previous holder's sessions end
            feed(db, source.id, "children_moved", now, count=len(moving))
        elif source is None:
            child.cabinet = target
        target.phone = state.phone
        db.flush()
        accounts.set_password(deps, target, password, kind="reregistered")
        feed(db, target.id, "reregistered", now, phone=mask(state.phone))
        audit(db, "reregistered", now, subject=state.child_iin, client=deps.client.address,
              outcome=outcome.value, cabinet=target.id, children=len(moving))
        self._tell_phones(old_phone, state.phone)
        return Done(target, outcome, len(moving))

    def _tell_phones(self, old_phone: str | None, new_phone: str) -> None:
        """The old phone (its app, or an SMS when it has none) and the new one hear of it."""
        notifier, sms = self.deps.notifier, self.deps.sms
        if old_phone and old_phone != new_phone:
            channel = notifier if notifier.is_bound(old_phone) else sms
            tell(channel.send, old_phone, "rereg_away", {"phone": mask(new_phone)})
        tell(notifier.send, new_phone, "rereg_here", {})
