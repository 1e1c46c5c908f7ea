"""Where `preplab serve` may listen: with accounts off PrepLab has one local user and no sign-in, so anyone who can
reach a non-loopback address would read and change that user's data. It refuses unless PREPLAB_ALLOW_OPEN=1."""

from __future__ import annotations

import ipaddress

from app.messages import translate
from app.settings import Settings


def is_loopback(host: str) -> bool:
    name = host.strip().lower().removeprefix("[").removesuffix("]")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def open_listen_refusal(host: str, settings: Settings) -> str | None:
    """The refusal to print (both languages) when listening on `host` is not allowed; None when it is."""
    if settings.accounts or settings.allow_open or is_loopback(host):
        return None
    return "\n".join(translate("accounts.open.refused", lang, host=host) for lang in ("zh", "en"))
