"""``workshop sls offline``: the service's http and httpApi events served on 127.0.0.1, no
server needed.

It opens an in-process sandbox in the service's region, deploys the service into it (the
same compile and deploy as ``deploy``: API keys and authorizers are enforced like on the
deployed API), and serves it as serverless-offline does: the ``http`` events' REST stage at
``http://127.0.0.1:PORT/{stage}``, the ``httpApi`` events' HTTP API at the root of the same
port. It prints one line with that URL once it answers. Then it watches the service folder:
a changed ``serverless.yml`` redeploys the service, changed code is swapped into the functions (the
next request starts a fresh execution environment with the new code).
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workshop_lib.framework import httpapi
from workshop_lib.framework.package import select_files
from workshop_lib.framework.service import Service
from workshop_lib.server import settle_heap, settle_young


def snapshot(root: Path) -> dict[str, int]:
    """``{file: mtime}`` of the service's files (the packager's default exclusions apply)."""
    return {name: (root / name).stat().st_mtime_ns for name in select_files(root, [])}


class Offline:
    """A deployed, served service that follows its files."""

    def __init__(
        self,
        root: str | Path,
        *,
        stage: str | None = None,
        region: str | None = None,
        service: Service | None = None,
    ) -> None:
        self.root, self.stage, self.region = Path(root), stage, region
        # the CLI has loaded it already (to report a bad serverless.yml before starting)
        self.service = service or Service.load(self.root, stage=stage, region=region)
        self.aws = None
        self.url: str | None = None
        self.http_api_id: str | None = None
        self._server: Any = None
        self._files: dict[str, int] = {}

    def start(
        self, port: int = 3000, out: Callable[[str], None] = print, *, settle: bool = False
    ) -> str:
        """Start the sandbox, deploy, serve; returns the stage's URL.

        ``settle`` (a long-running server's start): no automatic garbage collection while
        it starts, since nearly all it allocates lives as long as the server and full
        collections would walk it again and again. What the sandbox's start imported, and
        moto's CloudFormation, are frozen as soon as the sandbox is up (their little garbage
        stays); the deploy's objects are collected once and frozen before serving
        (:func:`settle_heap`, which then walks only what the deploy made).
        """
        from workshop_lib import sandbox
        from workshop_lib.framework import deploy

        automatic = gc.isenabled()
        if settle:
            gc.disable()
        try:
            self.aws = sandbox.Sandbox(region=self.service.region).start()
            if settle:  # moto's CloudFormation too: the deploy's first call imports it
                import moto.cloudformation.models  # noqa: F401

                gc.freeze()
            result = deploy.deploy(self.service, self.aws, out=lambda line: None)
            self.http_api_id = httpapi.deployed_api_id(self.service, self.aws)
            if not result.info.rest_api_id and not self.http_api_id:
                raise ValueError(f"{self.service.name} has no http or httpApi events to serve")
            if settle:
                settle_heap()
        finally:
            if automatic:
                gc.enable()
        if self.http_api_id is None:
            self.url = self.aws.serve_api(result.info.rest_api_id, self.service.stage, port=port)
        else:  # both kinds on one port, as serverless-offline serves them
            from workshop_lib.apigatewayv2.server import OfflineServer

            rest = None
            if result.info.rest_api_id:
                rest = (self.aws.plugin("apigateway"), result.info.rest_api_id, self.service.stage)
            self._server = OfflineServer(
                port, rest=rest, http_api=(self.aws.plugin("apigatewayv2"), self.http_api_id)
            )
            self._server.start()
            base = self._server.base_url
            self.url = f"{base}/{self.service.stage}" if rest is not None else base
        self.api_keys = dict(result.info.api_keys)
        self._files = snapshot(self.root)
        return self.url

    def reload_if_changed(self, out: Callable[[str], None] = print) -> bool:
        """Redeploy what changed since the last look; True if something did."""
        from workshop_lib.framework import deploy
        from workshop_lib.framework.config import ConfigError

        files = snapshot(self.root)
        changed = sorted(k for k in files.keys() | self._files.keys()
                         if files.get(k) != self._files.get(k))  # fmt: skip
        if not changed:
            return False
        self._files = files
        try:
            if any(name == "serverless.yml" for name in changed):
                self.service = Service.load(self.root, stage=self.stage, region=self.region)
                deploy.deploy(self.service, self.aws, out=lambda line: None)
            else:
                for key in self.service.functions:
                    deploy.deploy_function(self.service, self.aws, key, out=lambda line: None)
        except (ConfigError, ValueError, RuntimeError) as exc:
            out(f"offline: not reloaded: {exc}")
            return False
        out(f"offline: reloaded ({', '.join(changed)})")
        return True

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self.aws is not None:
            self.aws.stop()
            self.aws = None


def serve_forever(
    service: Service, *, port: int = 3000, stage: str | None = None, region: str | None = None
) -> int:
    """The CLI's loop: start, print the URL, poll for changes until Ctrl-C or SIGTERM."""
    offline = Offline(service.root, stage=stage, region=region, service=service)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        # a settled heap: full garbage collections do not walk moto's state while serving
        url = offline.start(port, settle=True)
        keys = "".join(f" (API key {n}: {v})" for n, v in offline.api_keys.items())
        print(f"Serverless offline listening on {url}{keys}", flush=True)
        if offline.http_api_id is not None and url.count("/") > 2:  # both kinds: say where
            root = url.rsplit("/", 1)[0]
            print(f"HTTP API (httpApi events) at {root}/", flush=True)
        while not stop.wait(0.5):
            if offline.reload_if_changed(lambda line: print(line, flush=True)):
                settle_heap()
            settle_young()
    except KeyboardInterrupt:
        pass
    finally:
        offline.stop()
    sys.stdout.flush()
    return 0
