"""One botocore data loader for the sandbox's sessions: botocore's JSON decoded once.

Each botocore session makes its own loader, and each loader decodes botocore's files again.
A sandbox has three sessions that read the same files: its own (for its clients), moto's
(each backend lists its regions, which reads the service's model for its endpoint prefix)
and the one moto's EC2 import lists regions with. Each would decode ``endpoints.json``
(large) on its own, and CloudFormation's, API Gateway's and Lambda's models once for the
clients and again for moto's region lists. Sessions given the shared loader decode each file
once.

Loaded data is read-only to botocore: one session already shares it among all its clients,
so sharing it among sessions changes nothing they answer (pinned by tests/test_moto_seams.py).
"""

from __future__ import annotations

import threading
from typing import Any

_LOCK = threading.Lock()
_LOADER: Any = None


def shared_loader() -> Any:
    """The process's shared loader: botocore's search paths plus boto3's own data."""
    global _LOADER
    with _LOCK:
        if _LOADER is None:
            from boto3.session import Session  # not boto3.Session: ec2.py may stand in for it

            _LOADER = Session()._loader  # boto3 adds its data folder to a new loader
        return _LOADER


def share(session: Any) -> Any:
    """Give a ``boto3.Session`` the shared loader (before it loads anything); returns it.
    The first session shared lends its own loader (one session fewer to make)."""
    global _LOADER
    with _LOCK:
        if _LOADER is None:
            _LOADER = session._loader
            return session
    loader = shared_loader()
    if session._loader is not loader:
        session._session.register_component("data_loader", loader)
        session._loader = loader
    return session
