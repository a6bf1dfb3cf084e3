"""SQLite's WAL stays bounded when checkpoints run beside a writer that never stops."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from storage import migrate
from storage.engine import create_db_engine
from storage.replies_repository import SqlReplyStore
from storage.sqlite_checkpoint import WalCheckpointer
from storage.tables import Message
from tests.support.clock import FakeClock
from tests.support.responder import inbound, make_responder


def test_checkpoints_keep_the_wal_small_under_continuous_writes(
    tmp_path: Path, clock: FakeClock
) -> None:
    database = tmp_path / "busy.db"
    engine = create_db_engine(f"sqlite:///{database}")
    migrate.upgrade(engine)
    store = SqlReplyStore(engine, checkpoints_elsewhere=True)
    responder = make_responder(engine, budget_eur=1e6, store=store)
    checkpointer = WalCheckpointer(engine, store.writer_lock, interval=0.02)
    wal = tmp_path / "busy.db-wal"
    largest = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal largest
        while not done.wait(0.005):
            largest = max(largest, wal.stat().st_size if wal.exists() else 0)

    watcher = threading.Thread(target=watch)
    checkpointer.start()
    watcher.start()
    for i in range(3000):  # about 100 MB of WAL if nothing checkpointed
        responder.handle(inbound(f"+3361{i:07d}", clock()))
    done.set()
    watcher.join()
    checkpointer.stop()
    store.close()
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(Message)).scalar_one()
    engine.dispose()
    assert stored == 3000
    assert 0 < largest < 24 * 1024 * 1024
