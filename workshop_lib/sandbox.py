"""The sandbox: moto in-process (or a moto server on loopback) behind plain boto3.

``from workshop_lib import sandbox`` gives this module, and the module is callable, so
``with sandbox() as aws:`` works while ``workshop_lib.sandbox`` stays a module that tests
can patch. Inside, ``boto3.client("dynamodb")`` needs no arguments: the sandbox sets fake
credentials and a region, hides the user's AWS profile, config and endpoint variables, and
refuses name lookups and sockets to anything but loopback (:mod:`workshop_lib.netguard`).

Containment outlives ``stop()``: once a process has started a sandbox, the network guard,
the SDK guard (:mod:`workshop_lib.sdkguard`) and the hidden AWS environment stay in place
after it stops, so re-running a cell after the notebook's last one fails at once with
"this notebook's sandbox is stopped: re-run the notebook's first cell, or call aws.start()"
instead of reaching real AWS with the learner's own credentials. Only a sandbox started
with ``real_aws_costs_money=True`` gives the process its real environment and network back.

The sandbox owns what every emulation plugin shares, so each is built once: the clock
(:mod:`workshop_lib.clock`), seeded ids (:mod:`workshop_lib.ids`), and a loopback endpoint
serving the same moto state to other processes (``aws.endpoint_url``). Layers (Lambda
runtime, DynamoDB capacity, API Gateway) plug in through :class:`Plugin`.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import types
import warnings
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from workshop_lib import netguard, tempdirs
from workshop_lib.clock import Clock, make_clock
from workshop_lib.ids import IdGenerator

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default account
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
#: What moto itself is configured with while the sandbox runs.
MOTO_CONFIG: dict[str, Any] = {
    "lambda": {"use_docker": False},
    "batch": {"use_docker": False},
    "core": {"mock_credentials": False, "reset_boto3_session": True},
}
#: Layers installed into every sandbox, as "module:factory" (later issues add theirs).
DEFAULT_PLUGINS: list[str] = [
    "workshop_lib.dynamodb:DynamoDBPlugin",
    "workshop_lib.lambda_runtime:LambdaPlugin",
    "workshop_lib.apigateway:ApiGatewayPlugin",
    "workshop_lib.apigatewayv2:HttpApiPlugin",
    "workshop_lib.eventbridge:SchedulerPlugin",
    "workshop_lib.iam:AuditPlugin",
    "workshop_lib.framework.plugin:CloudFormationPlugin",
]

_PASSED_THROUGH = ("AWS_CA_BUNDLE",)
_ACTIVE: Sandbox | None = None
_ACTIVE_LOCK = threading.RLock()
# The AWS environment is hidden process-wide, not per sandbox: it stays hidden after a
# stop, and only the real-AWS opt-in gives it back. _REAL_ENV is the learner's value of
# each key we changed; _WRITTEN what we wrote, so a value set since then is the learner's.
_REAL_ENV: dict[str, str | None] = {}
_WRITTEN: dict[str, str | None] = {}


class SandboxError(RuntimeError):
    """A sandbox was used in a way that cannot work; the message says what to do instead."""


@runtime_checkable
class Plugin(Protocol):
    """A sandbox plug-in, the emulation of one AWS part: installed when the sandbox starts,
    removed when it stops. (Not a Lambda plugin: "plugin" keeps its AWS meaning.)"""

    name: str

    def install(self, aws: Sandbox) -> None: ...

    def uninstall(self, aws: Sandbox) -> None: ...


class Sandbox:
    """A local AWS account: moto state, fake credentials, one clock, seeded ids, plug-ins.

    Use ``with sandbox() as aws:`` or ``aws = sandbox().start()``. ``endpoint`` points at a
    running ``workshop sandbox start`` server instead of moto in-process. ``clock`` is
    ``"real"`` (default), ``"virtual"`` or a speed-up factor. ``seed`` makes ids repeatable
    (``None`` for random). ``port`` fixes the loopback endpoint's port. Only
    ``real_aws_costs_money=True`` lets requests reach real AWS. ``cors_origins`` lists the
    web pages (``"http://localhost:3000"``) a browser may let call the loopback endpoint.
    """

    def __init__(
        self,
        region: str = DEFAULT_REGION,
        *,
        endpoint: str | None = None,
        clock: Clock | str | float | None = None,
        seed: int | None = 0,
        plugins: list[Plugin | str] | None = None,
        layers: list[Plugin | str] | None = None,
        real_aws_costs_money: bool = False,
        port: int = 0,
        cors_origins: list[str] | None = None,
    ) -> None:
        if endpoint is not None and not real_aws_costs_money:
            from urllib.parse import urlsplit

            host = urlsplit(endpoint).hostname or ""
            if not netguard.is_loopback_host(host):
                raise SandboxError(
                    f"endpoint {endpoint!r} is not on this machine. The sandbox only talks to "
                    "loopback endpoints such as http://127.0.0.1:5000; to use real AWS, "
                    "which costs money, pass real_aws_costs_money=True."
                )
        self.region = region
        self.account_id = DEFAULT_ACCOUNT_ID
        self.real_aws = real_aws_costs_money
        self.port = port  # of the loopback endpoint (0: any free port)
        # web pages allowed to call the loopback endpoint from a browser (none by default)
        self.cors_origins = _check_origins(cors_origins) if cors_origins else []
        self._given_endpoint = endpoint.rstrip("/") if endpoint else None
        self.clock: Clock = make_clock(clock)
        self.ids = IdGenerator(seed)
        self.seed = seed
        # the default plug-ins emulate AWS inside this process's moto: not for a server's or
        # real AWS (a `workshop sandbox start` server installs them in its own process)
        defaults = [] if (endpoint or real_aws_costs_money) else DEFAULT_PLUGINS
        if layers is not None:  # the name before plug-ins were called plug-ins
            warnings.warn("sandbox(layers=...) is now sandbox(plugins=...)", DeprecationWarning, 2)
            plugins = layers if plugins is None else plugins
        self._plugin_specs: list[Plugin | str] = list(defaults if plugins is None else plugins)
        self.plugins: list[Plugin] = []
        self._mock: Any = None
        self._server: Any = None
        self._session: Any = None
        self._session_lock = threading.RLock()
        self.started = False

    # -- what kind of sandbox -------------------------------------------------------------
    @property
    def mode(self) -> str:
        """``"in-process"`` (moto in this process), ``"server"`` or ``"real-aws"``."""
        if self.real_aws:
            return "real-aws"
        return "server" if self._given_endpoint else "in-process"

    @property
    def endpoint_url(self) -> str | None:
        """A loopback URL serving this sandbox's state to other processes.

        In-process, the first access starts a moto server thread on 127.0.0.1 that shares
        this process's moto state (Lambda workers and the AWS CLI use it). ``None`` for
        real AWS without an explicit endpoint.
        """
        if self._given_endpoint or self.real_aws:
            return self._given_endpoint
        self._require_started()
        if self._server is None:
            from workshop_lib.server import LoopbackEndpoint

            self._server = LoopbackEndpoint(self.port, self.cors_origins).start()
        return self._server.url

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> Sandbox:
        """Start (idempotent); a different sandbox still running is stopped first."""
        global _ACTIVE
        with _ACTIVE_LOCK:
            if self.started:
                return self
            if _ACTIVE is not None and _ACTIVE is not self:
                _ACTIVE.stop()
            self.started = True  # plug-ins may use clients while they install
            try:
                self._start()
            except BaseException:
                self.started = False
                self._stop()
                raise
            _ACTIVE = self
        return self

    def _start(self) -> None:
        if self.real_aws:
            print(
                "workshop sandbox: REAL AWS — requests go to your AWS account and may cost money.",
                file=sys.stderr,
            )
            netguard.disarm()  # the explicit opt-in: this process may leave the machine
            _restore_environment()
        else:
            from workshop_lib import sdkguard

            netguard.install()
            tempdirs.remove_stale()  # what killed kernels left in the temporary directory
            sdkguard.install()
            self._isolate_environment()
            if self.mode == "server":
                self._require_server()
            if self.mode == "in-process":
                from moto import mock_aws

                from workshop_lib import motoquick
                from workshop_lib.ec2 import defer_offerings

                defer_offerings()  # EC2 data for every region, which moto decodes at import
                motoquick.install()  # each REST service's first request skips unused work

                self._mock = mock_aws(config=MOTO_CONFIG)
                self._mock.start()
                self._seed_moto()
                _share_moto_data_loader()
        self._reset_boto3(fresh=not self.real_aws)
        if not self.real_aws:
            from workshop_lib.clock import route_sdk_sleeps

            route_sdk_sleeps(self.clock)  # boto3's retry back-off waits on the sandbox clock
        for spec in self._plugin_specs:
            plugin = _load_plugin(spec)
            plugin.install(self)
            self.plugins.append(plugin)

    def stop(self) -> None:
        """Stop: uninstall plug-ins, stop moto and its server. The process stays contained:
        the AWS environment stays hidden and the network guard armed, so any later AWS call
        fails at once saying the sandbox is stopped (``start()`` runs it again)."""
        global _ACTIVE
        with _ACTIVE_LOCK:
            if not self.started:
                return
            self._stop()
            self.started = False
            if _ACTIVE is self:
                _ACTIVE = None

    def _stop(self) -> None:
        errors: list[BaseException] = []
        for plugin in reversed(self.plugins):
            try:
                plugin.uninstall(self)
            except Exception as exc:  # keep tearing down; report the first failure
                errors.append(exc)
        self.plugins.clear()
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        if not self.real_aws:
            _forget_endpoint(self._given_endpoint)
            netguard.uninstall()  # still armed: refusals now say the sandbox is stopped
        self._session = None
        if "botocore.endpoint" in sys.modules:
            from workshop_lib.clock import route_sdk_sleeps

            route_sdk_sleeps(None)
        self._reset_boto3()
        if errors:
            raise errors[0]

    def reset(self) -> None:
        """Empty every service (tables, functions, APIs...), restart ids, reset plug-ins."""
        self._require_started()
        if self.mode == "in-process":
            from moto.moto_api._internal.models import moto_api_backend

            moto_api_backend.reset()
            self._seed_moto()
        elif self.mode == "server":
            self._post_to_server("/moto-api/reset")
            if self.seed is not None:
                self._post_to_server(f"/moto-api/seed?a={self.seed}")
        else:
            raise SandboxError("reset() would delete resources in real AWS; refusing.")
        self.ids.reseed()
        for plugin in self.plugins:
            reset = getattr(plugin, "reset", None)
            if reset is not None:
                reset(self)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- clients ----------------------------------------------------------------------------
    def session(self) -> Any:
        """The boto3 session bound to this sandbox's credentials and region (made once:
        a session loads service models, which takes tens of milliseconds)."""
        import boto3

        with self._session_lock:
            if self._session is None:
                if self.real_aws:
                    self._session = boto3.Session(region_name=self.region)
                else:
                    self._session = boto3.Session(
                        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                        aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
                        region_name=self.region,
                    )
                from workshop_lib.botodata import share

                share(self._session)  # botocore's files decoded once for moto and for us
            return self._session

    def client(self, service: str, **kwargs: Any) -> Any:
        """``boto3.client(service)`` in this sandbox (a new client each call)."""
        self._require_started()
        kwargs.setdefault("endpoint_url", self._given_endpoint)
        session = self.session()
        with self._session_lock:  # sessions are not thread-safe while making clients
            return session.client(service, **kwargs)

    def resource(self, service: str, **kwargs: Any) -> Any:
        """``boto3.resource(service)`` in this sandbox."""
        self._require_started()
        kwargs.setdefault("endpoint_url", self._given_endpoint)
        session = self.session()
        with self._session_lock:
            return session.resource(service, **kwargs)

    def serve_api(self, api_id: str, stage: str | None = None, port: int = 0) -> str:
        """Serve an API on 127.0.0.1 and return its URL: a REST API's deployed ``stage`` at
        ``http://127.0.0.1:PORT/stage``, or a whole HTTP API (no stage: each of its stages is
        where AWS has it, ``$default`` at the root).

        The server lives until the sandbox stops; serving the same API again returns the
        same URL.
        """
        self._require_started()
        http_apis = self.plugin("apigatewayv2")
        if http_apis.http_api(api_id) is not None:
            return http_apis.serve(api_id, port)
        if stage is None:
            raise SandboxError(
                f"{api_id!r} is a REST API (or none): name the deployed stage to serve, "
                f"aws.serve_api({api_id!r}, 'dev')"
            )
        return self.plugin("apigateway").serve(api_id, stage, port)

    def serve_function_url(self, function_name: str, port: int = 0) -> str:
        """Serve a function's URL (``create_function_url_config``) on 127.0.0.1; returns
        ``http://127.0.0.1:PORT``: every path and method reaches the function."""
        self._require_started()
        return self.plugin("apigatewayv2").serve_url(function_name, port)

    def plugin(self, name: str) -> Plugin:
        """The installed plug-in called ``name`` ("lambda", "dynamodb", "apigateway"...)."""
        for plugin in self.plugins:
            if plugin.name == name:
                return plugin
        self._require_started()  # a stopped sandbox has none: say how to start it
        installed = ", ".join(plugin.name for plugin in self.plugins) or "none"
        raise KeyError(f"no plug-in {name!r} in this sandbox (installed: {installed})")

    def layer(self, name: str) -> Plugin:
        """The name :meth:`plugin` had before (deprecated)."""
        warnings.warn("aws.layer(name) is now aws.plugin(name)", DeprecationWarning, 2)
        return self.plugin(name)

    # -- internals --------------------------------------------------------------------------
    def _require_started(self) -> None:
        if not self.started:
            raise SandboxError(
                "this sandbox is stopped: re-run the notebook's first cell, or call "
                "aws.start() (in a script: `with sandbox() as aws:`)"
            )

    def _require_server(self) -> None:
        import socket
        from urllib.parse import urlsplit

        parts = urlsplit(self._given_endpoint)
        try:
            socket.create_connection((parts.hostname, parts.port or 80), timeout=2).close()
        except OSError:
            raise SandboxError(
                f"no sandbox server answers at {self._given_endpoint}: start one with "
                f"`workshop sandbox start --port {parts.port or 80}`"
            ) from None

    def _post_to_server(self, path: str) -> None:
        import urllib.request

        self._require_server()
        request = urllib.request.Request(f"{self._given_endpoint}{path}", b"", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def _seed_moto(self) -> None:
        if self.seed is not None:
            from moto.moto_api._internal import mock_random

            mock_random.seed(self.seed)

    def _isolate_environment(self) -> None:
        """Fake credentials and region; hide profiles, config files and endpoint overrides."""
        empty = os.devnull  # botocore reads a config file that is not a file as empty
        wanted: dict[str, str | None] = {
            **FAKE_CREDENTIALS,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_CONFIG_FILE": empty,
            "AWS_SHARED_CREDENTIALS_FILE": empty,
            "AWS_EC2_METADATA_DISABLED": "true",
            # botocore would address DynamoDB (Streams) by account-based host names that
            # moto 5.2 does not route (123456789012.streams-ddb...): use the regional ones
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "AWS_ENDPOINT_URL": self._given_endpoint,
        }
        for key in list(os.environ):
            is_aws = key.startswith("AWS_") and key not in _PASSED_THROUGH
            if is_aws and key not in wanted:
                wanted[key] = None  # profiles, role ARNs, per-service endpoint overrides...
        for key, value in wanted.items():
            _write_env(key, value)

    @staticmethod
    def _reset_boto3(fresh: bool = False) -> None:
        """Forget boto3's default session (it may hold credentials from before); with
        ``fresh``, make the next one now with the shared data loader, so that
        ``boto3.client(...)`` in a notebook does not decode botocore's files again."""
        if "boto3" not in sys.modules:
            return
        boto3 = sys.modules["boto3"]
        boto3.DEFAULT_SESSION = None
        if fresh:
            from workshop_lib.botodata import share

            # reads the environment when its first client is made, as boto3's own would
            boto3.DEFAULT_SESSION = share(boto3.Session())

    def __repr__(self) -> str:
        state = "running" if self.started else "stopped"
        where = self._given_endpoint or ("real AWS" if self.real_aws else "moto in-process")
        return f"<sandbox {state}: {where}, region {self.region}, clock {self.clock!r}>"


def _write_env(key: str, value: str | None) -> None:
    """Set (or, for None, remove) an AWS variable, remembering the learner's value."""
    current = os.environ.get(key)
    if key not in _WRITTEN or _WRITTEN[key] != current:
        _REAL_ENV[key] = current  # never written by us, or the learner set it since
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value
    _WRITTEN[key] = value


def _forget_endpoint(endpoint: str | None) -> None:
    """After a stop, a server-mode sandbox's endpoint is no longer this process's: clients
    made from now on go nowhere (the SDK guard refuses them) instead of to that server."""
    if endpoint is not None and _WRITTEN.get("AWS_ENDPOINT_URL") == endpoint:
        _write_env("AWS_ENDPOINT_URL", None)


def _restore_environment() -> None:
    """Give back the learner's AWS environment (the real-AWS opt-in): every variable we
    changed and nobody has changed since."""
    for key, real in _REAL_ENV.items():
        if os.environ.get(key) != _WRITTEN.get(key):
            continue  # set since we wrote it: that value is the learner's now
        if real is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = real
    _REAL_ENV.clear()
    _WRITTEN.clear()


def _check_origins(origins: list[str]) -> list[str]:
    from workshop_lib.server import cors_origin

    try:
        return [cors_origin(origin) for origin in origins]
    except ValueError as exc:
        raise SandboxError(str(exc)) from None


def _load_plugin(spec: Plugin | str) -> Plugin:
    if not isinstance(spec, str):
        return spec
    module_name, _, attr = spec.partition(":")
    factory: Callable[[], Plugin] = getattr(importlib.import_module(module_name), attr)
    return factory()


def _share_moto_data_loader() -> None:
    """moto's backends list their regions through one cached ``boto3.Session``: give it the
    sandbox's data loader, so the endpoint data and the models are decoded once."""
    from moto.core.base_backend import AccountSpecificBackend

    from workshop_lib.botodata import share

    share(AccountSpecificBackend.get_session())


def active() -> Sandbox | None:
    """The sandbox running in this process, if any."""
    return _ACTIVE


#: ``sandbox(...)`` is the class itself: ``with sandbox() as aws:``.
sandbox = Sandbox


class _CallableModule(types.ModuleType):
    """Lets ``from workshop_lib import sandbox; sandbox()`` call :func:`sandbox`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Sandbox:
        return Sandbox(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
