"""`preplab serve`: the schema migrated once, here, then one server process or N worker processes on one socket.

With N workers uvicorn's supervisor starts each by importing `app.main:worker_app` (settings from the same
environment), restarts one that dies, and stops them all on Ctrl-C. Workers never run Alembic (the parent has), and
what each does once at start-up (the local user, the shipped lab results, the sweep of runs left behind) goes
through a lock across processes (app/shared_state.exclusive), so N of them can start together.

Connections: each worker's pool holds up to pool_size + max_overflow = (threads + 4) + threads connections
(app/db.py pool_size_for, threads = PREPLAB_WORKER_THREADS), so N workers may open N × (2 × threads + 4); on
PostgreSQL that must stay below max_connections less its reserved slots, with room for `preplab` commands.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text

from app.backup import policy as backup_policy
from app.db import make_engine, pool_size_for, upgrade_database
from app.settings import Settings

log = logging.getLogger("preplab.serve")

WORKER_APP = "app.main:worker_app"


def connections_needed(*, workers: int, worker_threads: int) -> int:
    """The most connections N workers' pools can hold at once."""
    pool_size, overflow = pool_size_for(worker_threads)
    return workers * (pool_size + overflow)


def connection_budget(engine: Engine, *, workers: int, worker_threads: int) -> str | None:
    """On PostgreSQL, a warning when the workers' pools could pass the server's max_connections; else None."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        limit = int(connection.execute(text("SHOW max_connections")).scalar_one())
        reserved = int(connection.execute(text("SHOW superuser_reserved_connections")).scalar_one())
    needed = connections_needed(workers=workers, worker_threads=worker_threads)
    if needed <= limit - reserved:
        return None
    return (f"{workers} 个进程 × (2 × {worker_threads} 线程 + 4) = 最多 {needed} 个连接，超过 PostgreSQL 的 "
            f"max_connections {limit}（保留 {reserved}）/ {workers} workers × (2 × {worker_threads} threads + 4) = up "
            f"to {needed} connections, more than PostgreSQL's max_connections {limit} ({reserved} reserved): lower "
            "--workers or PREPLAB_WORKER_THREADS, or raise max_connections")


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    import uvicorn

    engine = make_engine(settings.database_url, echo=settings.echo_sql, synchronous=settings.sqlite_synchronous)
    try:
        upgrade_database(engine, backups=backup_policy(settings))  # once, before any worker starts
        warning = connection_budget(engine, workers=workers, worker_threads=settings.worker_threads)
    finally:
        engine.dispose()
    if warning:
        log.warning(warning)
    if workers == 1:
        from app.main import create_app

        uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=False)
    else:
        uvicorn.run(WORKER_APP, factory=True, host=host, port=port, workers=workers, proxy_headers=False)
