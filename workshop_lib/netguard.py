"""Keeps the sandbox on this machine: refuses name lookups and sockets off loopback.

Once :func:`install` has run, the process refuses, for anything but loopback:

- name resolution: ``socket.getaddrinfo`` (what ``create_connection``, requests, urllib3,
  botocore and asyncio resolve with), ``gethostbyname``, ``gethostbyname_ex``,
  ``gethostbyaddr`` and ``getnameinfo``;
- every send path: ``connect``, ``connect_ex``, ``sendto`` and ``sendmsg``.

The enforcement is an audit hook (:func:`sys.addaudithook`): CPython raises the
``socket.*`` audit events in C before the system call, for ``_socket.socket`` and
``_socket.getaddrinfo`` too, so a handler cannot step around a patched Python method.
Audit hooks cannot be removed, so the hook consults a process-wide state instead: armed by
:func:`install`, and it stays armed after the last :func:`uninstall` (a stopped sandbox
still keeps the process on this machine; refusals then say it is stopped and how to start
it again). Only :func:`disarm` -- the explicit ``real_aws_costs_money=True`` opt-in --
lets traffic out. ``socket.socket``'s own methods are also wrapped, because C resolves a
host *name* in an address before it raises ``socket.connect``: the wrapper refuses the
name before any lookup.

Standard library only, and loadable by file path without the ``workshop_lib`` package:
the Lambda worker loads this file into each execution environment.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

_LOCK = threading.Lock()
_DEPTH = 0  # sandboxes running in this process (install/uninstall pairs)
_ARMED = False  # refusing; stays True after the last uninstall(), until disarm()
_HOOKED = False  # the audit hook is added (once per process: it cannot be removed)
_HINT: str | None = None  # what a refusal says to do while a sandbox runs
_OWN_HOSTNAME = ""  # this machine's name: looking it up does not leave the machine

RUNNING_HINT = (
    "The sandbox keeps everything on this machine. To talk to real AWS (which costs money), "
    "start it with sandbox(real_aws_costs_money=True)."
)
STOPPED_HINT = (
    "This notebook's sandbox is stopped: re-run the notebook's first cell, or call "
    "aws.start(). Nothing leaves this machine unless you start "
    "sandbox(real_aws_costs_money=True)."
)
OPT_IN_HINT = RUNNING_HINT  # the earlier name

#: Families whose addresses never leave the machine (netlink talks to the local kernel).
_LOCAL_FAMILIES = {
    getattr(socket, name) for name in ("AF_UNIX", "AF_NETLINK") if hasattr(socket, name)
}
_INET = (socket.AF_INET, socket.AF_INET6)


class SandboxNetworkError(ConnectionRefusedError):
    """A lookup of, or a connection to, a non-loopback host was refused by the sandbox."""


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


def refusal(what: str, host: str) -> str:
    """The one line a refusal says: what was refused, the host, and what to do."""
    hint = (_HINT or RUNNING_HINT) if _DEPTH else STOPPED_HINT
    return f"workshop sandbox refused {what} {host}. {hint}"


def _stays_here(host: Any) -> bool:
    """Whether an address's host is this machine: loopback, the unspecified address
    (``''``, ``0.0.0.0``, ``::``: the local host when connected to), or None."""
    if host is None:
        return True
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host == "" or is_loopback_host(host):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0]).is_unspecified
    except ValueError:
        return False


def _refuse(what: str, host: Any, port: Any = None) -> None:
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    where = f"{host}:{port}" if port not in (None, "", 0) else str(host)
    raise SandboxNetworkError(refusal(what, where))


def _check_address(sock: Any, address: Any, what: str) -> None:
    family = getattr(sock, "family", None)
    if family in _LOCAL_FAMILIES or address is None:
        return
    if family in _INET and isinstance(address, tuple) and address:
        if not _stays_here(address[0]):
            _refuse(what, address[0], address[1] if len(address) > 1 else None)
        return
    if family in _INET:
        return  # not an address C accepts: it raises its own TypeError
    _refuse(what, f"{address!r} (socket family {family})")  # raw packets, CAN, Bluetooth...


def _is_address(host: Any) -> bool:
    """An IP literal: getaddrinfo and gethostbyname parse it without asking DNS."""
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    try:
        ipaddress.ip_address(str(host).strip("[]").split("%")[0])
    except ValueError:
        return False
    return True


def _check_lookup(host: Any, port: Any = None) -> None:
    if _stays_here(host):
        return
    name = bytes(host).decode("ascii", "replace") if isinstance(host, (bytes, bytearray)) else host
    if isinstance(name, str) and _OWN_HOSTNAME and name.lower() == _OWN_HOSTNAME:
        return  # this machine's own name (socket.getfqdn() looks it up)
    _refuse("a name lookup of", host, port)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """Every audit event in the process comes here: leave at once unless it is one of
    the socket events below (imports and opens are by far the most frequent)."""
    if not _ARMED or event[:7] != "socket.":
        return
    if event == "socket.connect":
        _check_address(args[0], args[1], "a connection to")
    elif event == "socket.sendto" or event == "socket.sendmsg":
        _check_address(args[0], args[1], "sending to")
    elif event == "socket.getaddrinfo":
        if not _is_address(args[0]):  # the connection to an address is checked instead
            _check_lookup(args[0], args[1])
    elif event == "socket.gethostbyname":
        if not _is_address(args[0]):
            _check_lookup(args[0])
    elif event == "socket.gethostbyaddr":  # a reverse lookup asks DNS, address or not
        _check_lookup(args[0])
    elif event == "socket.getnameinfo":
        sockaddr = args[0]
        _check_lookup(sockaddr[0] if isinstance(sockaddr, tuple) and sockaddr else sockaddr)


# socket.socket's methods, wrapped so a host name is refused before C resolves it
_ORIGINAL: dict[str, Any] = {}  # the methods the wrappers call, as found by _hook()


def _connect(self: socket.socket, address: Any) -> None:
    if _ARMED:
        _check_address(self, address, "a connection to")
    return _ORIGINAL["connect"](self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    if _ARMED:
        _check_address(self, address, "a connection to")
    return _ORIGINAL["connect_ex"](self, address)


def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
    if _ARMED and args:
        _check_address(self, args[-1], "sending to")
    return _ORIGINAL["sendto"](self, data, *args)


def _sendmsg(self: socket.socket, buffers: Any, *args: Any) -> int:
    if _ARMED and len(args) >= 3:
        _check_address(self, args[2], "sending to")
    return _ORIGINAL["sendmsg"](self, buffers, *args)


_WRAPPERS = {"connect": _connect, "connect_ex": _connect_ex, "sendto": _sendto, "sendmsg": _sendmsg}


def _hook() -> None:
    """Add the audit hook and wrap socket.socket's methods, once per process."""
    global _HOOKED, _OWN_HOSTNAME
    if _HOOKED:
        return
    try:
        _OWN_HOSTNAME = socket.gethostname().lower()
    except OSError:
        _OWN_HOSTNAME = ""
    sys.addaudithook(_audit)
    for name, wrapper in _WRAPPERS.items():
        if hasattr(socket.socket, name):  # sendmsg is POSIX only
            _ORIGINAL[name] = getattr(socket.socket, name)
            setattr(socket.socket, name, wrapper)
    _HOOKED = True


def install(hint: str | None = None) -> None:
    """Start refusing non-loopback lookups and sockets in this process (one per running
    sandbox: calls nest). ``hint`` replaces what a refusal says to do while it runs (a
    Lambda worker says where the refusal came from)."""
    global _DEPTH, _ARMED, _HINT
    with _LOCK:
        _hook()
        _DEPTH += 1
        _ARMED = True
        if hint is not None:
            _HINT = hint


def uninstall() -> None:
    """Undo one :func:`install`. The guard stays armed after the last one: a process that
    has run a sandbox stays on this machine; refusals now say the sandbox is stopped."""
    global _DEPTH, _HINT
    with _LOCK:
        if _DEPTH > 0:
            _DEPTH -= 1
        if _DEPTH == 0:
            _HINT = None


def disarm() -> None:
    """Let this process reach the network again: ``sandbox(real_aws_costs_money=True)``,
    the explicit opt-in. The next :func:`install` arms the guard again."""
    global _DEPTH, _ARMED, _HINT
    with _LOCK:
        _DEPTH = 0
        _ARMED = False
        _HINT = None


@contextlib.contextmanager
def guarded(hint: str | None = None) -> Iterator[None]:
    """Armed for the block only, then as the process was before: for code that guards one
    call without starting a sandbox (``invoke_local`` outside one). :func:`install` alone
    would leave the process armed for good."""
    was_armed = _ARMED
    install(hint)
    try:
        yield
    finally:
        uninstall()
        if not was_armed:
            disarm()


def active() -> bool:
    """Whether non-loopback lookups and sockets are refused now (also after a stop)."""
    return _ARMED


def running() -> bool:
    """Whether a sandbox holds the guard (:func:`install` not yet undone)."""
    return _DEPTH > 0
