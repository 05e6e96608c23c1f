"""A cabinet's security epoch: what every code, link and confirmation is tied to."""
from __future__ import annotations

from ..models import Cabinet
from . import codes, links, outbox
from .context import Deps


def subject(cabinet: Cabinet) -> str:
    """What codes for this cabinet are counted under."""
    return f"cab:{cabinet.id}"


def raise_epoch(deps: Deps, cabinet: Cabinet) -> None:
    """Its password, phone, bound app or holder changed: every outstanding code, link and
    30-minute confirmation of the cabinet dies, and the outbox forgets their secrets."""
    outbox.retire(deps, [*codes.live_message_ids(deps, subject(cabinet)),
                         *links.live_message_ids(deps, cabinet.id)])
    cabinet.security_epoch += 1
