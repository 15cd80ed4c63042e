"""Refuses an AWS SDK request that would leave the machine, before botocore sends it.

netguard refuses the socket, but botocore would wrap that refusal in an
``EndpointConnectionError`` and retry it. This guard answers first, with netguard's one
line: a boto3 client made inside a sandbox that has since stopped, or made after the
stop, fails at once with "this notebook's sandbox is stopped: re-run ...". It is a
``before-send`` handler on every botocore session made from now on (botocore's
``BUILTIN_HANDLERS``, where moto registers its own mock the same way), so it sees every
request a client is about to put on the wire:

- a loopback URL (a ``workshop sandbox start`` server, ``aws.endpoint_url``) passes;
- a request moto answers in-process (its mock is on) passes: it never reaches a socket;
- anything else is refused while netguard is armed, which it stays after ``stop()``
  until the process opts in with ``sandbox(real_aws_costs_money=True)``.
"""

from __future__ import annotations

import sys
import threading
from typing import Any
from urllib.parse import urlsplit

from workshop_lib import netguard

_LOCK = threading.Lock()
_INSTALLED = False


def install() -> None:
    """Register the handler on every botocore session made from now on (once)."""
    global _INSTALLED
    with _LOCK:
        if _INSTALLED:
            return
        from botocore.handlers import BUILTIN_HANDLERS

        BUILTIN_HANDLERS.append(("before-send", refuse_off_machine))
        _INSTALLED = True


def _moto_answers() -> bool:
    """Whether moto's mock is on in this process: it answers before-send itself."""
    models = sys.modules.get("moto.core.models")
    stubber = getattr(models, "botocore_stubber", None)
    return bool(getattr(stubber, "enabled", False))


def refuse_off_machine(request: Any, **_: Any) -> None:
    """botocore ``before-send`` handler: raise netguard's refusal for a request to a
    non-loopback host that nothing in this process answers."""
    if not netguard.active():
        return None  # never armed, or real_aws_costs_money=True
    host = urlsplit(request.url).hostname or ""
    if netguard.is_loopback_host(host) or _moto_answers():
        return None
    raise netguard.SandboxNetworkError(netguard.refusal("an AWS request to", host))
