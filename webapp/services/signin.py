"""Sign-in: ШАГ 1 (IIN and consents), ШАГ 2 (password), with locks that keep the owner in.

Step 1 never tells whether a cabinet exists: an unknown IIN goes on to step 2
and fails there exactly like a wrong password (a dummy hash is verified, and the
same counts are taken). Only a cabinet with no password yet is led from step 1
to setting one (the contract's rule), which starts a counted recovery.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..models import Cabinet
from . import limits, passwords
from .accounts import find, forget_failures, password_limits
from .audit import audit, feed
from .context import Deps
from .state import FlowState

# From the 3rd wrong password the page says how many tries are left.
WARN_FROM = 3


@dataclass
class SignInState(FlowState):
    """What the visitor submitted at step 1 (never a password)."""

    iin: str = ""
    agree_terms: bool = False
    agree_contacts: bool = False
    next: str | None = None
    passed: bool = False  # step 1 accepted: step 2 may be shown


@dataclass(frozen=True)
class SignedIn:
    cabinet: Cabinet


@dataclass(frozen=True)
class Refused:
    """Unknown IIN or wrong password: deliberately the same answer."""

    tries_left: int | None = None   # said from the 3rd wrong password on
    locked_for: timedelta | None = None


@dataclass(frozen=True)
class Locked:
    wait: timedelta
    closed: bool = False  # the IIN is closed to this browser until the owner succeeds


SignInOutcome = SignedIn | Refused | Locked


class SignIn:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def needs_first_password(self, iin: str) -> bool:
        cabinet = find(self.deps.db, iin)
        return cabinet is not None and cabinet.password_hash is None

    def lock(self, state: SignInState) -> Locked | None:
        """The lock this browser would meet at step 2 now (shown before it types)."""
        deps = self.deps
        cabinet = find(deps.db, state.iin)
        wanted = password_limits(deps, state.iin, cabinet.id if cabinet else None)
        in_a_row = next(w for w in wanted if w[0] == deps.limits.wrong_passwords_in_a_row_per_iin)
        closed = limits.wait(deps.db, *in_a_row, deps.now)
        if closed:
            return Locked(closed, closed=True)
        wait = limits.longest_wait(deps.db, wanted, deps.now)
        return Locked(wait) if wait else None

    def password(self, state: SignInState, password: str, *, device: str) -> SignInOutcome:
        """Check the password; a success is left uncommitted for the new session to join."""
        deps, db = self.deps, self.deps.db
        cabinet = find(db, state.iin)
        wanted = password_limits(deps, state.iin, cabinet.id if cabinet else None)
        counted = limits.take_all(db, wanted, deps.now)
        if isinstance(counted, limits.Refused):
            audit(deps, "signin_locked", iin=state.iin, limit=counted.kind)
            db.commit()
            return Locked(counted.wait, closed=counted.kind == deps.limits.wrong_passwords_in_a_row_per_iin.kind)
        db.commit()  # the try is counted before the password is compared
        # verify_password also runs for an unknown IIN, so the answer takes as long.
        if passwords.verify_password(cabinet.password_hash if cabinet else None, password):
            assert cabinet is not None and cabinet.password_hash is not None
            per_address = counted[0]
            limits.release(db, per_address.limit, per_address.key)
            forget_failures(deps, cabinet)
            if passwords.needs_rehash(cabinet.password_hash):
                cabinet.password_hash = passwords.hash_password(password)
            audit(deps, "signin", iin=state.iin)
            feed(deps, cabinet.id, "signin", device=device)
            return SignedIn(cabinet)
        audit(deps, "signin_failed", iin=state.iin)
        db.commit()
        left = min(t.left for t in counted)
        near = next(t for t in counted if t.limit == deps.limits.wrong_passwords_per_iin_and_client)
        if left == 0:
            return Refused(tries_left=0, locked_for=limits.longest_wait(db, wanted, deps.now))
        return Refused(tries_left=left if near.count >= WARN_FROM or left < WARN_FROM else None)
