"""The server's scheduled backups: one every PREPLAB_BACKUP_INTERVAL_H hours, counted from the newest scheduled
backup on disk (a restart does not skip one), taken in a worker thread so requests are never held up."""

from __future__ import annotations

import asyncio
import logging

from app.backup import automatic_backup, database_file, policy, seconds_until_due
from app.settings import Settings

log = logging.getLogger("preplab.backup")


async def backup_on_schedule(settings: Settings) -> None:
    backups = policy(settings)
    database = database_file(settings.database_url)
    if backups is None or database is None or settings.backup_interval_h <= 0:
        return
    interval_s = settings.backup_interval_h * 3600
    while True:
        await asyncio.sleep(seconds_until_due(backups, interval_s))
        try:
            made = await asyncio.to_thread(automatic_backup, database, backups, "scheduled")
        except Exception:  # a full disk must not stop the server; it is logged and tried again next time
            log.exception("scheduled backup of %s failed", database)
            await asyncio.sleep(min(interval_s, 3600))
        else:
            if made is not None:
                log.info("backed up %s to %s", database, made)
            else:
                await asyncio.sleep(min(interval_s, 3600))
