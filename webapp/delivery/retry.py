"""When to try a message again: exponential backoff with jitter, never past its deliver-by."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

FIRST = timedelta(seconds=2)
CAP = timedelta(minutes=5)


def next_attempt(now: datetime, attempts: int, deliver_by: datetime, retry_after: float | None = None,
                 rng: random.Random | None = None) -> datetime | None:
    """The moment of the next try after `attempts` failed ones, or None when none fits before
    `deliver_by` (the message has then failed). A gateway's Retry-After is honoured."""
    base = min(CAP, FIRST * 2 ** max(0, attempts - 1))
    delay = base * (rng or random).uniform(0.5, 1.5)  # jitter: retries of many messages spread out
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    moment = now + delay
    return moment if moment < deliver_by else None
