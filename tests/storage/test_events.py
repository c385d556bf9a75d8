"""Events are recorded once per key, whoever proposes them and however often."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session

from storage import events
from storage.database import run_transaction
from storage.events import NewEvent
from storage.models import EventKind


def _proposal(key: str = "status:synthetic-town:withdrawn:1") -> NewEvent:
    return NewEvent(key=key, kind=EventKind.MEMBER_WITHDRAWN, title="Synthetic Town withdrew from OGP",
                    url="https://synthetic.example/news/synthetic-town/", evidence="Synthetic Town withdrew.",
                    payload={"member": "synthetic-town"})


def test_the_same_key_is_recorded_once(session: Session) -> None:
    first = events.record_events(session, [_proposal(), _proposal()])
    again = events.record_events(session, [_proposal(), _proposal("report:synthetic-town:results_report:2020")])
    session.commit()
    assert [e.key for e in first] == ["status:synthetic-town:withdrawn:1"]
    assert [e.key for e in again] == ["report:synthetic-town:results_report:2020"]
    stored = events.events(session)
    assert len(stored) == 2 and events.payload(stored[0]) == {"member": "synthetic-town"}


def test_concurrent_writers_record_one_event(engine) -> None:
    def propose(_: int) -> int:
        return len(run_transaction(engine, lambda session: events.record_events(session, [_proposal()])))

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(propose, range(16)))
    assert sum(created) == 1
    with Session(engine) as session:
        assert len(events.events(session)) == 1
