"""Password recovery and the first password ("Установка пароля"): the code first (or the
link beside it), then the new password.

Nothing about the cabinet is told before the visitor has proved the phone is in
their hands, except what the manual's recovery screens show (the masked phone,
whether the app is bound), and that only in answer to a start that is counted
per client address. The code goes to the app (case 1) or, with no app bound or
on request, by SMS (case 2); each message also carries a link that opens the
password step in any browser. A right code or link holds 30 minutes for this
session; then the new password is set and the parent is signed in.
"""
from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..models import Cabinet
from . import accounts, binding, codes, limits, links
from .audit import audit
from .context import Deps
from .epoch import subject
from .gateways import RegistryUnavailable
from .phone import mask
from .state import FlowState

CONFIRMATION_HOLDS = timedelta(minutes=30)


class Step(enum.Enum):
    CODE = "code"              # a code went (to the app or by SMS): type it, or open the link
    NO_APP = "no_app"          # case 2: no app on the phone: "Получить код по SMS"
    FOREIGN = "foreign"        # БМГ lists the number under another IIN now: re-registration
    PASSWORD = "password"      # the code or link was right: choose the new password
    NO_CABINET = "no_cabinet"  # no cabinet has this IIN


def _nonce() -> str:
    return secrets.token_urlsafe(16)


@dataclass
class RecoveryState(FlowState):
    iin: str = ""
    setup: bool = False        # first password: "Установка пароля"
    step: Step = Step.CODE
    masked_phone: str = ""
    nonce: str = field(default_factory=_nonce)  # codes work only in this session
    channel: str = "app"       # where the code went: "app" | "sms"
    binding_sms_sent: bool = False  # the app instructions' one-time password went by SMS
    confirmed_until: datetime | None = None
    confirmed_epoch: int = -1  # the cabinet's security epoch when the code or link was right


@dataclass(frozen=True)
class TooManyStarts:
    wait: timedelta


@dataclass(frozen=True)
class Started:
    """The recovery page may show its step; `sent` is what asking for a code gave."""

    sent: codes.SendOutcome | None = None


@dataclass(frozen=True)
class NotBoundYet:
    """"Отправить" before the app was bound."""


@dataclass(frozen=True)
class NumberElsewhere:
    """БМГ lists the cabinet's number under another IIN now: no SMS goes to it."""


@dataclass(frozen=True)
class RegistryDown:
    """БМГ did not answer: nothing was sent or counted."""


@dataclass(frozen=True)
class Confirmed:
    cabinet_id: int


@dataclass(frozen=True)
class PasswordSet:
    cabinet: Cabinet
    first: bool


SmsCodeOutcome = codes.SendOutcome | NumberElsewhere | RegistryDown


class Recovery:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def _cabinet(self, state: RecoveryState) -> Cabinet | None:
        return accounts.find(self.deps.db, state.iin)

    @staticmethod
    def target(cabinet: Cabinet, setup: bool) -> codes.Target:
        return codes.Target("setup" if setup else "recovery", subject(cabinet), cabinet.phone, cabinet)

    def start(self, iin: str) -> tuple[RecoveryState | None, TooManyStarts | Started]:
        """The visitor asked (a POST): count it, then send the code or show case 2."""
        deps, db = self.deps, self.deps.db
        cabinet = accounts.find(db, iin)
        counted = limits.take(db, deps.limits.recovery_starts_per_address,
                              deps.client.per_address(cabinet.id if cabinet else None), deps.now)
        db.commit()
        if isinstance(counted, limits.Refused):
            deps.events.emit("recovery_refused", reason=counted.kind)
            return None, TooManyStarts(counted.wait)
        audit(deps, "recovery_started", iin=iin, found=cabinet is not None)
        db.commit()
        if cabinet is None:
            return RecoveryState(iin=iin, step=Step.NO_CABINET), Started()
        state = RecoveryState(iin=iin, setup=cabinet.password_hash is None, masked_phone=mask(cabinet.phone))
        if not binding.is_bound(db, cabinet.phone):
            state.step = Step.NO_APP
            return state, Started()
        return state, Started(sent=codes.send(deps, self.target(cabinet, state.setup), state.nonce,
                                              codes.Channel.APP))

    def send_sms_code(self, state: RecoveryState) -> SmsCodeOutcome | None:
        """"Получить код по SMS": the code and link by SMS to the cabinet's phone, unless БМГ
        lists that number under another IIN now. None when no code can be asked here."""
        cabinet = self._cabinet(state)
        if cabinet is None or state.step not in (Step.NO_APP, Step.CODE):
            return None
        try:
            holder = self.deps.registry.holder_of(cabinet.phone)
        except RegistryUnavailable:
            return RegistryDown()
        if holder is not None and holder != cabinet.iin:
            state.step = Step.FOREIGN
            audit(self.deps, "recovery_number_elsewhere", iin=state.iin)
            self.deps.db.commit()
            return NumberElsewhere()
        result = codes.send(self.deps, self.target(cabinet, state.setup), state.nonce, codes.Channel.SMS)
        if isinstance(result, codes.Sent):
            state.step, state.channel = Step.CODE, codes.Channel.SMS.value
        return result

    def resend(self, state: RecoveryState) -> codes.SendOutcome | None:
        """"Запросить код повторно": a new code the way the last one went."""
        cabinet = self._cabinet(state)
        if cabinet is None or state.step is not Step.CODE:
            return None
        return codes.send(self.deps, self.target(cabinet, state.setup), state.nonce, codes.Channel(state.channel))

    def delivery(self, state: RecoveryState) -> codes.Delivery:
        cabinet = self._cabinet(state)
        if cabinet is None:
            return codes.Delivery("none")
        return codes.delivery(self.deps, self.target(cabinet, state.setup), state.nonce)

    def send_binding_sms(self, state: RecoveryState) -> binding.SmsOutcome | None:
        """"Получить одноразовый пароль по SMS" (the app's instructions; a new handset)."""
        cabinet = self._cabinet(state)
        if cabinet is None or state.step not in (Step.NO_APP, Step.CODE):
            return None
        result = binding.send_sms(self.deps, cabinet.phone, cabinet.id)
        if isinstance(result, binding.SmsSent):
            state.binding_sms_sent = True
        return result

    def app_bound(self, state: RecoveryState) -> NotBoundYet | Started:
        """Case 2, "Отправить": once the app is bound, the code goes to it (case 1)."""
        cabinet = self._cabinet(state)
        if cabinet is None or not binding.is_bound(self.deps.db, cabinet.phone):
            return NotBoundYet()
        state.step, state.channel = Step.CODE, codes.Channel.APP.value
        return Started(sent=codes.send(self.deps, self.target(cabinet, state.setup), state.nonce,
                                       codes.Channel.APP))

    def _confirmed(self, state: RecoveryState, cabinet: Cabinet) -> None:
        state.step = Step.PASSWORD
        state.confirmed_until = self.deps.now + CONFIRMATION_HOLDS
        state.confirmed_epoch = cabinet.security_epoch

    def confirm(self, state: RecoveryState, code: str) -> Confirmed | codes.VerifyOutcome:
        cabinet = self._cabinet(state)
        if cabinet is None or state.step is not Step.CODE:
            return codes.Refusal.NO_CODE
        result = codes.verify(self.deps, self.target(cabinet, state.setup), state.nonce, code)
        if not isinstance(result, codes.Verified):
            return result
        self._confirmed(state, cabinet)
        return Confirmed(cabinet.id)

    def open_link(self, token_hash: str) -> RecoveryState | links.Invalid:
        """The link's page, "Продолжить": the password step opens in this browser."""
        redeemed = links.redeem(self.deps, token_hash)
        if isinstance(redeemed, links.Invalid):
            self.deps.db.commit()
            return redeemed
        cabinet = redeemed.cabinet
        state = RecoveryState(iin=cabinet.iin, setup=redeemed.purpose == "setup",
                              masked_phone=mask(cabinet.phone))
        self._confirmed(state, cabinet)
        audit(self.deps, "recovery_link_used", iin=cabinet.iin)
        return state

    def set_password(self, state: RecoveryState, password: str) -> PasswordSet | accounts.NotYet:
        """The new password; left uncommitted so the parent's new session joins it."""
        cabinet = self._cabinet(state)
        # A change of the cabinet since the code or link (its epoch moved) ends the confirmation.
        still = (state.step is Step.PASSWORD and cabinet is not None
                 and cabinet.security_epoch == state.confirmed_epoch)
        refusal = accounts.confirmed_password(
            self.deps, confirmed_until=state.confirmed_until if still else None,
            nonce=state.nonce, password=password, iin=state.iin, phone=cabinet.phone if cabinet else "")
        if cabinet is None or isinstance(refusal, accounts.ConfirmationExpired):
            state.step, state.confirmed_until = Step.CODE, None
            return accounts.ConfirmationExpired()
        if refusal is not None:
            return refusal
        first = cabinet.password_hash is None
        accounts.set_password(self.deps, cabinet, password, kind="password_set" if first else "password_changed")
        return PasswordSet(cabinet, first)
