"""Keeps the sandbox on this machine: refuses sockets to anything but loopback.

While a sandbox runs, ``socket.socket.connect`` (and ``connect_ex`` / ``sendto``) refuse
non-loopback addresses, so a mis-configured client can never reach real AWS, even when the
user's environment holds real credentials. Installed with a reference count, so nested
sandboxes and the server mode share one guard.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import Any

_LOCK = threading.Lock()
_DEPTH = 0
_ORIGINAL: dict[str, Any] = {}

OPT_IN_HINT = (
    "The sandbox keeps everything on this machine. To talk to real AWS (which costs money), "
    "start it with sandbox(real_aws_costs_money=True)."
)


class SandboxNetworkError(ConnectionRefusedError):
    """A connection to a non-loopback address was refused by the sandbox."""


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` names and loopback IPv4/IPv6 addresses."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def is_loopback_host_header(value: str | None) -> bool:
    """True when an HTTP ``Host`` header names loopback (``127.0.0.1:5000``, ``localhost``,
    ``[::1]:3000``): what a loopback endpoint serves. Anything else, a missing value
    included, may be a DNS-rebinding page in the learner's browser (Jupyter Server's
    ``allow_remote_access`` check is the model)."""
    if not value:
        return False
    value = value.strip()
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return False
    else:
        host, _, port = value.partition(":")
        if port and not port.isdigit():
            return False
    return bool(host) and is_loopback_host(host)


def _check(sock: socket.socket, address: Any) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # Unix sockets and others never leave the machine
    if isinstance(address, tuple) and address and isinstance(address[0], str):
        host = address[0]
        if is_loopback_host(host):
            return
        port = address[1] if len(address) > 1 else "?"
        raise SandboxNetworkError(
            f"workshop sandbox refused a connection to {host}:{port}. {OPT_IN_HINT}"
        )


def _connect(self: socket.socket, address: Any) -> None:
    _check(self, address)
    return _ORIGINAL["connect"](self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    _check(self, address)
    return _ORIGINAL["connect_ex"](self, address)


def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
    _check(self, args[-1])
    return _ORIGINAL["sendto"](self, data, *args)


def install() -> None:
    """Start refusing non-loopback connections in this process (reference counted)."""
    global _DEPTH
    with _LOCK:
        if _DEPTH == 0:
            for name, guard in (
                ("connect", _connect),
                ("connect_ex", _connect_ex),
                ("sendto", _sendto),
            ):
                _ORIGINAL[name] = getattr(socket.socket, name)
                setattr(socket.socket, name, guard)
        _DEPTH += 1


def uninstall() -> None:
    """Undo one :func:`install`; the last one restores the original socket methods."""
    global _DEPTH
    with _LOCK:
        if _DEPTH == 0:
            return
        _DEPTH -= 1
        if _DEPTH == 0:
            for name, original in _ORIGINAL.items():
                setattr(socket.socket, name, original)
            _ORIGINAL.clear()


def active() -> bool:
    """Whether the guard is installed."""
    return _DEPTH > 0
