"""Password recovery and the first password ("Установка пароля"): the code first, then
the new password.

Nothing about the cabinet is told before the visitor has proved the phone is in
their hands, except what the manual's recovery screens show (the masked phone,
whether the app is bound), and that only in answer to a start that is counted
per client address. The code proves the phone; the confirmation holds 30
minutes for this session only; then the new password is set and the parent is
signed in.
"""
from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..models import Cabinet
from . import accounts, binding, codes, limits
from .audit import audit
from .context import Deps
from .limits import Limit
from .phone import mask
from .state import FlowState

PURPOSE = "recovery"
CONFIRMATION_HOLDS = timedelta(minutes=30)


def starts_per_address(size: int) -> Limit:
    return Limit("recovery_starts", size, timedelta(hours=1))


class Step(enum.Enum):
    CODE = "code"              # case 1: the code was sent to the app
    BIND = "bind"              # case 2: no app on the phone yet
    PASSWORD = "password"      # the code was right: choose the new password
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
    sms_sent: bool = False     # case 2: the binding password went by SMS
    confirmed_until: datetime | None = None
    confirmed_epoch: int = -1  # the cabinet's session epoch when the code was right


@dataclass(frozen=True)
class TooManyStarts:
    wait: timedelta


@dataclass(frozen=True)
class Started:
    """The recovery page may show its step; `sent` is what asking for a code gave."""

    sent: object | None = None


@dataclass(frozen=True)
class NotBoundYet:
    """"Отправить" before the app was bound."""


@dataclass(frozen=True)
class Confirmed:
    cabinet_id: int


@dataclass(frozen=True)
class PasswordSet:
    cabinet: Cabinet
    first: bool


class Recovery:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def _cabinet(self, state: RecoveryState) -> Cabinet | None:
        return accounts.find(self.deps.db, state.iin)

    @staticmethod
    def target(cabinet: Cabinet) -> codes.Target:
        return codes.Target(PURPOSE, f"cab:{cabinet.id}", cabinet.phone, cabinet.id)

    def start(self, iin: str) -> tuple[RecoveryState | None, TooManyStarts | Started]:
        """The visitor asked (a POST): count it, then send the code or show case 2."""
        deps, db = self.deps, self.deps.db
        cabinet = accounts.find(db, iin)
        counted = limits.take(db, starts_per_address(deps.address_limits.recovery_starts),
                              deps.client.per_address(cabinet.id if cabinet else None), deps.now)
        db.commit()
        if isinstance(counted, limits.Blocked):
            return None, TooManyStarts(counted.wait)
        audit(db, "recovery_started", deps.now, subject=iin, client=deps.client.address,
              found=cabinet is not None)
        if cabinet is None:
            db.commit()
            return RecoveryState(iin=iin, step=Step.NO_CABINET), Started()
        state = RecoveryState(iin=iin, setup=cabinet.password_hash is None,
                              masked_phone=mask(cabinet.phone))
        if not deps.notifier.is_bound(cabinet.phone):
            state.step = Step.BIND
            db.commit()
            return state, Started()
        return state, Started(sent=codes.send(deps, self.target(cabinet), state.nonce))

    def resend(self, state: RecoveryState) -> object:
        cabinet = self._cabinet(state)
        if cabinet is None or state.step is not Step.CODE:
            return codes.Refusal.NO_CODE
        return codes.send(self.deps, self.target(cabinet), state.nonce)

    def resend_in(self, state: RecoveryState) -> int:
        cabinet = self._cabinet(state)
        return codes.resend_in(self.deps, self.target(cabinet)) if cabinet else 0

    def send_sms(self, state: RecoveryState) -> object:
        """"Получить одноразовый пароль по SMS" to the cabinet's phone: case 2, or a new
        handset with the same SIM while the code step waits."""
        cabinet = self._cabinet(state)
        if cabinet is None or state.step not in (Step.BIND, Step.CODE):
            return binding.SendFailed()
        result = binding.send_sms(self.deps, cabinet.phone, cabinet.id)
        if isinstance(result, binding.SmsSent):
            state.sms_sent = True
        return result

    def app_bound(self, state: RecoveryState) -> NotBoundYet | Started:
        """Case 2, "Отправить": once the app is bound, the code goes and case 1 follows."""
        cabinet = self._cabinet(state)
        if cabinet is None or not self.deps.notifier.is_bound(cabinet.phone):
            return NotBoundYet()
        state.step = Step.CODE
        return Started(sent=codes.send(self.deps, self.target(cabinet), state.nonce))

    def confirm(self, state: RecoveryState, code: str) -> Confirmed | object:
        cabinet = self._cabinet(state)
        if cabinet is None or state.step is not Step.CODE:
            return codes.Refusal.NO_CODE
        result = codes.verify(self.deps, self.target(cabinet), state.nonce, code)
        if not isinstance(result, codes.Verified):
            return result
        state.step = Step.PASSWORD
        state.confirmed_until = self.deps.now + CONFIRMATION_HOLDS
        state.confirmed_epoch = cabinet.session_epoch
        return Confirmed(cabinet.id)

    def set_password(self, state: RecoveryState, password: str) -> PasswordSet | accounts.NotYet:
        """The new password; left uncommitted so the parent's new session joins it."""
        cabinet = self._cabinet(state)
        # A password change or a re-registration since the code ends the confirmation.
        still = state.step is Step.PASSWORD and cabinet is not None and cabinet.session_epoch == state.confirmed_epoch
        refusal = accounts.confirmed_password(
            self.deps, confirmed_until=state.confirmed_until if still else None,
            nonce=state.nonce, password=password, iin=state.iin, phone=cabinet.phone if cabinet else "")
        if cabinet is None or isinstance(refusal, accounts.ConfirmationExpired):
            state.step, state.confirmed_until = Step.CODE, None
            return accounts.ConfirmationExpired()
        if refusal is not None:
            return refusal
        first = cabinet.password_hash is None
        accounts.set_password(self.deps, cabinet, password,
                              kind="password_set" if first else "password_changed")
        return PasswordSet(cabinet, first)
