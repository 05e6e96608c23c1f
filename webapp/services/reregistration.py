"""Re-registration (переоформление) of a cabinet onto a parent's own IIN and БМГ phone.

Шаг 1: the child's IIN, birth certificate, parents and status must all match the
registry together (one generic refusal; tries are counted before they are
compared). Шаг 2, three parts: (a) the applicant's IIN (a parent named in Шаг
1) and a phone registered to that IIN in БМГ, (b) the code sent to that phone
(its app, or by SMS), (c) the new password. On success the children whose
certificate names the applicant move to the applicant's cabinet (a new one, or
the one they have), old sessions end and both phones are told.

Under attack (Шаг 1's answers for a child used up by others), the applicant
confirms their own phone first (parts (a) and (b)); their answers then count
per confirmed phone, apart from everyone else's. Part (a)'s "who are you"
mistakes count apart from Шаг 1's answers (a phone typo costs no answers).
"""
from __future__ import annotations

import enum
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..models import Cabinet, Child
from . import accounts, binding, codes, limits, outbox
from .audit import audit, feed
from .context import Deps
from .epoch import raise_epoch
from .gateways import ChildRecord, RegistryUnavailable
from .phone import mask
from .state import FlowState

STATUSES = ("attends", "queue")
PURPOSE = "reregister"
STEP1_HOLDS = timedelta(minutes=30)
CONFIRMATION_HOLDS = timedelta(minutes=30)

_CERT_NOISE = re.compile(r"[\s№#]")


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
    """Шаг 2 has three parts; NO_APP is part (a) with "Получить код по SMS" and the app's
    binding steps opened in place."""

    APPLICANT = "applicant"
    NO_APP = "no_app"
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
    channel: str = "app"           # where the code went
    binding_sms_sent: bool = False
    confirmed_until: datetime | None = None
    phone_first: bool = False      # under attack: the phone is confirmed before Шаг 1
    phone_confirmed: bool = False  # … and it was

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
        """"Изменить" on part (a) cancels the later parts (and a confirmed phone)."""
        self.part, self.binding_sms_sent, self.confirmed_until = Part.APPLICANT, False, None
        self.phone_confirmed, self.channel = False, "app"

    def step2_open(self, now: datetime) -> bool:
        """Is Шаг 2 the page to show: Шаг 1 passed, or the phone comes first and is not yet confirmed."""
        return self.passed(now) or (self.phone_first and not self.phone_confirmed)


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


@dataclass(frozen=True)
class PhoneFirst:
    """Too many wrong answers for this child from others: confirm your own phone first."""


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
    """The phone has no bound app: part (a) offers the code by SMS and the binding steps."""


@dataclass(frozen=True)
class PhoneConfirmed:
    """Under attack: the phone is confirmed; now Шаг 1's answers (counted per this phone)."""


class Outcome(enum.Enum):
    NEW = "new"        # a new cabinet on the applicant's IIN
    JOINED = "joined"  # the children joined the applicant's own cabinet


@dataclass(frozen=True)
class Done:
    cabinet: Cabinet
    outcome: Outcome
    children: int


AnswerOutcome = Passed | Mismatch | Locked | PhoneFirst | Unavailable
ApplicantOutcome = WrongApplicant | Locked | Unavailable | NeedsApp | codes.SendOutcome
ConfirmOutcome = PhoneConfirmed | codes.VerifyOutcome


class Reregistration:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    # -- Шаг 1 ----------------------------------------------------------------
    def _answer_limits(self, state: ReregState, child_iin: str) -> list[tuple[limits.Limit, str]]:
        rules, address = self.deps.limits, self.deps.client.address
        if state.phone_first and state.phone_confirmed:
            return [(rules.wrong_answers_per_confirmed_phone, state.phone),
                    (rules.wrong_answers_per_child_from_confirmed_phones, child_iin)]
        return [(rules.wrong_answers_per_address, address),
                (rules.wrong_answers_per_child_and_address, f"{child_iin}|addr:{address}"),
                (rules.wrong_answers_per_child, child_iin)]

    def answer(self, state: ReregState, answers: Answers) -> AnswerOutcome:
        deps = self.deps
        state.answers = dict(answers.__dict__)
        wanted = self._answer_limits(state, answers.child_iin)
        counted = limits.take_all(deps.db, wanted, deps.now)
        deps.db.commit()  # counted before the answers are compared
        if isinstance(counted, limits.Refused):
            audit(deps, "rereg_locked", iin=answers.child_iin, limit=counted.kind)
            deps.db.commit()
            if not state.phone_first:  # others used up the answers: the applicant's own phone opens them
                state.phone_first = True
                state.change_applicant()
                return PhoneFirst()
            return Locked(counted.wait)
        try:
            found = deps.registry.child(answers.child_iin)
        except RegistryUnavailable:
            limits.release_all(deps.db, counted)
            deps.db.commit()
            return Unavailable.REGISTRY
        ok = matches(found, answers) and (
            not state.phone_confirmed or (found is not None and state.applicant_iin in found.parents))
        audit(deps, "rereg_step1_passed" if ok else "rereg_step1_failed", iin=answers.child_iin)
        if not ok:
            deps.db.commit()
            left = min(t.left for t in counted)
            wait = limits.longest_wait(deps.db, wanted, deps.now) if left == 0 else None
            return Mismatch(tries_left=left, locked_for=wait)
        assert found is not None
        limits.release_all(deps.db, counted)
        deps.db.commit()
        state.child_iin, state.parents = found.iin, list(found.parents)
        state.passed_at, state.expired = deps.now, False
        if state.phone_confirmed:  # under attack, the phone came first: on to the password
            state.part = Part.PASSWORD
            state.confirmed_until = deps.now + CONFIRMATION_HOLDS
        else:
            state.applicant_iin, state.phone = "", ""
            state.change_applicant()
        return Passed()

    # -- Шаг 2, part (a) --------------------------------------------------------
    def target(self, state: ReregState) -> codes.Target:
        subject = f"rereg-phone:{state.phone}" if state.phone_first else f"rereg:{state.child_iin}"
        return codes.Target(PURPOSE, subject, state.phone, None)

    def applicant(self, state: ReregState, iin: str, phone: str) -> ApplicantOutcome:
        """Part (a), "Получить код": the applicant is a parent of Шаг 1 and the phone is
        theirs in БМГ. Mistakes here count apart from Шаг 1's answers, per (IIN, address)."""
        deps, rules = self.deps, self.deps.limits
        state.applicant_iin, state.phone = iin, phone
        state.change_applicant()
        wanted = [(rules.wrong_applicants_per_address, deps.client.address),
                  (rules.wrong_applicants_per_iin_and_address, f"{iin}|addr:{deps.client.address}")]
        counted = limits.take_all(deps.db, wanted, deps.now)
        deps.db.commit()
        if isinstance(counted, limits.Refused):
            return Locked(counted.wait)
        error = None
        if not state.phone_first and iin not in state.parents:
            error = ApplicantError.NOT_A_PARENT
        else:
            try:
                registered = phone in deps.registry.phones_of(iin)
            except RegistryUnavailable:
                limits.release_all(deps.db, counted)
                deps.db.commit()
                return Unavailable.REGISTRY
            if not registered:
                error = ApplicantError.PHONE_NOT_IN_BMG
        if error is not None:
            audit(deps, "rereg_applicant_refused", iin=iin, error=error.value)
            deps.db.commit()
            left = min(t.left for t in counted)
            wait = limits.longest_wait(deps.db, wanted, deps.now) if left == 0 else None
            return WrongApplicant(error, left, wait)
        limits.release_all(deps.db, counted)
        deps.db.commit()
        if not binding.is_bound(deps.db, phone):
            state.part = Part.NO_APP
            return NeedsApp()
        return self._send(state, codes.Channel.APP)

    def _send(self, state: ReregState, channel: codes.Channel) -> codes.SendOutcome:
        result = codes.send(self.deps, self.target(state), state.nonce, channel)
        if isinstance(result, codes.Sent):
            state.part, state.channel = Part.CODE, channel.value
        return result

    def send_sms_code(self, state: ReregState) -> codes.SendOutcome | None:
        """Part (a) with no app on the phone: "Получить код по SMS"."""
        return self._send(state, codes.Channel.SMS) if state.part is Part.NO_APP else None

    def app_bound(self, state: ReregState) -> NeedsApp | codes.SendOutcome | None:
        """Part (a) after binding the app: the code goes to it."""
        if state.part is not Part.NO_APP:
            return None
        if not binding.is_bound(self.deps.db, state.phone):
            return NeedsApp()
        return self._send(state, codes.Channel.APP)

    def send_binding_sms(self, state: ReregState) -> binding.SmsOutcome | None:
        """The app's binding steps: the one-time password by SMS to the new phone."""
        if state.part is not Part.NO_APP:
            return None
        result = binding.send_sms(self.deps, state.phone, None)
        if isinstance(result, binding.SmsSent):
            state.binding_sms_sent = True
        return result

    def resend(self, state: ReregState) -> codes.SendOutcome | None:
        if state.part is not Part.CODE:
            return None
        return codes.send(self.deps, self.target(state), state.nonce, codes.Channel(state.channel))

    def delivery(self, state: ReregState) -> codes.Delivery:
        if not state.phone:
            return codes.Delivery("none")
        return codes.delivery(self.deps, self.target(state), state.nonce)

    # -- part (b) ------------------------------------------------------------------
    def confirm(self, state: ReregState, code: str) -> ConfirmOutcome:
        if state.part is not Part.CODE:
            return codes.Refusal.NO_CODE
        result = codes.verify(self.deps, self.target(state), state.nonce, code)
        if not isinstance(result, codes.Verified):
            return result
        if state.phone_first and not state.passed(self.deps.now):
            state.phone_confirmed = True
            state.part = Part.CODE
            return PhoneConfirmed()
        state.part = Part.PASSWORD
        state.confirmed_until = self.deps.now + CONFIRMATION_HOLDS
        return result

    # -- part (c) ----------------------------------------------------------------
    def finish(self, state: ReregState, password: str) -> Done | accounts.NotYet | Unavailable:
        """Part (c), "Переоформить": move the children; left uncommitted so the parent's
        new session joins the same transaction."""
        refusal = accounts.confirmed_password(
            self.deps, confirmed_until=state.confirmed_until if state.part is Part.PASSWORD else None,
            nonce=state.nonce, password=password, iin=state.applicant_iin, phone=state.phone)
        if isinstance(refusal, accounts.ConfirmationExpired):
            state.change_applicant()
        if refusal is not None:
            return refusal
        try:
            record = self.deps.registry.child(state.child_iin)
        except RegistryUnavailable:
            self.deps.db.rollback()  # the confirmation stays unspent
            return Unavailable.REGISTRY
        return self._complete(state, password, record)

    def _local_child(self, record: ChildRecord | None, state: ReregState) -> Child:
        """The child's queue record here; a child known only to the registry gets one now."""
        db = self.deps.db
        child = db.get(Child, state.child_iin)
        if child is None:
            parents = [*(record.parents if record else state.parents), None]
            child = Child(iin=state.child_iin, full_name=record.full_name if record else "",
                          birth_certificate=record.birth_certificate if record else "",
                          parent1_iin=parents[0] or state.applicant_iin, parent2_iin=parents[1],
                          status=record.status if record else "queue", cabinet_id=None)
            db.add(child)
            db.flush()
        return child

    def _complete(self, state: ReregState, password: str, record: ChildRecord | None) -> Done:
        deps, db = self.deps, self.deps.db
        child = self._local_child(record, state)
        source = child.cabinet
        target = accounts.find(db, state.applicant_iin)
        outcome = Outcome.JOINED if target is not None else Outcome.NEW
        if target is None:
            target = Cabinet(iin=state.applicant_iin, phone=state.phone, session_epoch=0, security_epoch=0,
                             created_at=deps.now)
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
            raise_epoch(deps, source)
            feed(deps, source.id, "children_moved", count=len(moving))
        elif source is None:
            child.cabinet = target
        target.phone = state.phone
        db.flush()
        accounts.set_password(deps, target, password, kind="reregistered")
        feed(deps, target.id, "reregistered", phone=mask(state.phone))
        audit(deps, "reregistered", iin=state.child_iin, outcome=outcome.value, children=len(moving))
        self._tell_phones(old_phone, state.phone)
        return Done(target, outcome, len(moving))

    def _tell_phones(self, old_phone: str | None, new_phone: str) -> None:
        """The old phone (its app, or an SMS when it has none) and the new one hear of it."""
        deps = self.deps
        if old_phone and old_phone != new_phone:
            channel = "app" if binding.is_bound(deps.db, old_phone) else "sms"
            outbox.queue(deps, channel=channel, kind="rereg_away", phone=old_phone,
                         params={"phone": mask(new_phone)})
        outbox.queue(deps, channel="app", kind="rereg_here", phone=new_phone)

