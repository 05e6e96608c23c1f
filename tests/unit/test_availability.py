"""No stranger keeps the owner out: whatever strangers ask for a cabinet's phone, whenever the
owner's new browser is refused a code by SMS, a working link from within the hour is on the
phone (the contract's "Availability", for recovery by SMS)."""
from __future__ import annotations

from datetime import timedelta

from cryptography.fernet import Fernet
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from tests.unit.conftest import FakePush, FakeSms, Words
from webapp.db import make_engine
from webapp.delivery.worker import Worker
from webapp.models import Base, Cabinet, OutboxMessage
from webapp.services import codes, links
from webapp.services.clock import FakeClock
from webapp.services.codes import Channel, Target
from webapp.services.context import Client, Deps, Policy
from webapp.services.epoch import subject
from webapp.services.keys import Keys, Pseudonyms
from webapp.services.outbox import FernetSealer, open_message

PHONE = "+77011231885"

# A stranger's move: from one of many addresses, a new browser or an old one, then some time.
moves = st.lists(st.tuples(st.integers(min_value=0, max_value=49), st.integers(min_value=0, max_value=3),
                           st.integers(min_value=0, max_value=1800), st.booleans()),
                 min_size=1, max_size=30)


@settings(max_examples=20)
@given(moves=moves)
def test_a_refused_owner_always_holds_a_working_link(moves) -> None:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    clock, sealer, policy = FakeClock(), FernetSealer([Fernet.generate_key()]), Policy()
    worker = Worker({"SMS_GATEWAY": FakeSms(), "PUSH_GATEWAY": FakePush()}, sealer, policy.limits,
                    lambda _db: clock.now())
    try:
        with sessions() as db:
            cabinet = Cabinet(iin="870123302154", phone=PHONE, session_epoch=0, created_at=clock.now())
            db.add(cabinet)
            db.commit()
            target = Target("recovery", subject(cabinet), PHONE, cabinet)

            def deps(address: str) -> Deps:
                return Deps(db=db, now=clock.now(), keys=Keys(b"k"), pseudonyms=Pseudonyms(b"p"),
                            client=Client(address), registry=None, words=Words(), sealer=sealer,  # type: ignore[arg-type]
                            policy=policy)

            for n, (address, browser, wait, owner_looks) in enumerate(moves):
                codes.send(deps(f"6.6.6.{address}"), target, f"stranger-{address}-{browser}", Channel.SMS)
                db.commit()
                worker.deliver_due(sessions)
                db.expire_all()
                clock.advance(wait)
                if not owner_looks:
                    continue
                asked = codes.send(deps("1.2.3.4"), target, f"owner-{n}", Channel.SMS)
                db.commit()
                event(type(asked).__name__)
                if isinstance(asked, codes.Sent):
                    continue
                assert isinstance(asked, (codes.TooSoon, codes.Capped)), asked
                assert not isinstance(asked, codes.Capped) or asked.wait <= timedelta(minutes=60)
                on_the_phone = [open_message(sealer, clock.now(), row) for row in db.scalars(
                    select(OutboxMessage).where(OutboxMessage.phone == PHONE, OutboxMessage.status == "delivered"))]
                tokens = [m.link.rsplit("/r/", 1)[1] for m in on_the_phone if m.link]
                assert any(isinstance(links.look(deps("1.2.3.4"), t), links.Opened) for t in tokens), asked
    finally:
        engine.dispose()
