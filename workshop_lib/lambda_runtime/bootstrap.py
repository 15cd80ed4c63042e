"""The runtime inside one execution environment: AWS's Python bootstrap, in a worker process.

Run as ``python -I -S bootstrap.py`` so that only the function's code, its layers, the
runtime's boto3 and the standard library are importable, as on AWS. It imports the handler
once (the INIT phase), then answers invocations read from a pipe, one at a time, with a
fresh :class:`LambdaContext` each. Standard library only: the course's virtual environment
is not on this process's path. The in-process runner (``local.py``) reuses the context,
handler loading, error shapes and log format from here.
"""

from __future__ import annotations

import importlib
import json
import logging
import marshal
import os
import re
import select
import struct
import sys
import time
import traceback

# typing and decimal stay unimported in the worker (memory every environment would carry):
# annotations are never evaluated, and a Decimal only needs decimal when one is met
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DISPLAY_TASK_ROOT = "/var/task"  # what tracebacks show, as on AWS
LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_HEADER = struct.Struct(">I")


# -- the context (same shape as awslambdaric's LambdaContext) ----------------------------
class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self) -> str:
        return (
            f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}])"
        )


class Client:
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]


class ClientContext:
    __slots__ = ["custom", "env", "client"]

    def __repr__(self) -> str:
        return f"ClientContext([custom={self.custom},env={self.env},client={self.client}])"


def _from_dict(cls: type, data: dict | None) -> Any:
    if data is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, data.get(field))
    return obj


class LambdaContext:
    """What the handler's second argument offers, attribute for attribute as on AWS."""

    def __init__(
        self,
        invoke_id: str,
        client_context: dict | None,
        cognito_identity: dict | None,
        epoch_deadline_time_in_ms: int,
        invoked_function_arn: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        env = os.environ if env is None else env
        self.aws_request_id = invoke_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = None
        self.client_context = _from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _from_dict(Client, self.client_context.client)
        self.identity = _from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self) -> int:
        delta = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta if delta > 0 else 0

    def log(self, msg: object) -> None:
        sink = _CURRENT_SINK[0]
        if sink is not None:
            sink.write(str(msg))
        else:
            sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},identity={self.identity},tenant_id=None])"
        )


# -- handler loading and errors (messages as awslambdaric's) ------------------------------
class FaultException(Exception):
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MARSHAL_ERROR = "Runtime.MarshalError"

    def __init__(self, exception_type: str, msg: str, trace: list[str] | None = None) -> None:
        super().__init__(msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


def get_handler(handler: str) -> Any:
    """Import ``module/path.function`` the way the AWS Python runtime does."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME, f"Bad handler '{handler}': {e}"
        ) from None
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                f"Cannot use built-in module {modname} as a handler module",
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, f"Unable to import module '{modname}': {e}"
        ) from None
    except SyntaxError as e:
        trace = [f'  File "{display_path(e.filename)}" Line {e.lineno}\n    {e.text}']
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            f"Syntax error in module '{modname}': {e}",
            trace,
        ) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, f"Handler '{fname}' missing on module '{modname}'"
        ) from None


def display_path(path: str | None) -> str:
    """Show code under the task root as ``/var/task/...``, as AWS does."""
    root = os.environ.get("LAMBDA_TASK_ROOT")
    if path and root and path.startswith(root):
        return DISPLAY_TASK_ROOT + path[len(root) :]
    return path or ""


def make_error(
    message: str, error_type: str, stack_trace: list[str] | None, request_id: str | None = None
) -> dict[str, Any]:
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace or [],
    }


def error_from_exception(exc: BaseException, request_id: str | None) -> dict[str, Any]:
    """The error payload of an unhandled exception, with runtime frames removed."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = os.path.abspath(__file__)
    frames = [f for f in frames if os.path.abspath(f.filename) != own] or frames
    # plain tuples, as AWS's runtime formats them (no column carets)
    tuples = [(display_path(f.filename), f.lineno, f.name, f.line) for f in frames]
    return make_error(str(exc), type(exc).__name__, traceback.format_list(tuples), request_id)


def error_log_text(error: dict[str, Any]) -> str:
    """The ``[ERROR] Type: message`` log event the runtime writes for an error."""
    text = "[ERROR]"
    if error.get("errorType"):
        text += " " + error["errorType"]
    if error.get("errorMessage"):
        text += (":" if error.get("errorType") else "") + " " + error["errorMessage"]
    lines = [text]
    if error.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for element in error["stackTrace"]:
            lines += element.splitlines() or [""]
    return "\n".join(lines)


#: The runtimes whose marshaller writes non-ASCII text as is (awslambdaric 4.2.2,
#: lambda_runtime_marshaller.py, ``Encoder.__init__``); older ones escape it as ``\\uXXXX``.
UNESCAPED_RUNTIMES = frozenset(f"AWS_Lambda_python3.{minor}" for minor in (12, 13, 14, 15))
_EXECUTION_ENV = os.environ.get("AWS_EXECUTION_ENV")  # set before the worker starts


class _ExactNumbers:
    """One ``to_json`` call's Decimals: each is encoded as a marker string, then the marker
    (with its quotes) is replaced by the Decimal's exact text, as simplejson's ``RawJSON`` does.
    The stdlib's C encoder stays in charge of everything else (the worker has no simplejson)."""

    nonce = os.urandom(8).hex()  # per process: no handler can guess a marker

    def __init__(self) -> None:
        self.texts: list[str] = []

    def default(self, obj: Any) -> Any:
        decimal = sys.modules.get("decimal")  # loaded if the result holds a Decimal
        if decimal is not None and isinstance(obj, decimal.Decimal):
            if obj.is_nan():
                return float("nan")  # awslambdaric: math.nan (simplejson would write '-NaN')
            self.texts.append(str(obj))
            return f"{self.nonce}:{len(self.texts) - 1}"
        if isinstance(obj, bytes):  # simplejson's encoding="utf-8"
            return obj.decode("utf-8")
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

    def restore(self, text: str) -> str:
        if not self.texts:
            return text
        return re.sub(f'"{self.nonce}:(\\d+)"', lambda m: self.texts[int(m.group(1))], text)


def _as_simplejson_sees_it(obj: Any, path: tuple[int, ...] = ()) -> Any:
    """A copy of obj with what simplejson (awslambdaric's encoder) does that the stdlib's
    does not done ahead: a namedtuple becomes an object of its fields
    (``namedtuple_as_object``), a ``bytes`` key its UTF-8 text; a key of another type, or a
    circular reference, raises with simplejson's words."""
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in path:
            raise ValueError("Circular reference detected")
        path += (id(obj),)
    if isinstance(obj, tuple) and hasattr(obj, "_asdict"):
        obj = dict(obj._asdict())
    if isinstance(obj, dict):
        copy = {}
        for key, item in obj.items():
            name = key.decode("utf-8") if isinstance(key, bytes) else key
            if not isinstance(name, (str, int, float)) and name is not None:
                raise TypeError(  # the stdlib's C encoder would name the module too
                    f"keys must be str, int, float, bool or None, not {type(key).__name__}"
                )
            copy[name] = _as_simplejson_sees_it(item, path)
        return copy
    if isinstance(obj, (list, tuple)):
        return [_as_simplejson_sees_it(item, path) for item in obj]
    return obj


_SCALARS = frozenset((str, int, float, bool, type(None)))


def _holds_namedtuple(obj: Any) -> bool:
    """Whether a namedtuple is anywhere in obj: the one value the stdlib's C encoder writes
    differently from simplejson without an error (an array instead of an object). Scalars are
    skipped in bulk (about 0.6 of the encoder's own time); a circular result is left to the
    encoder, which refuses it."""
    stack, seen = [obj], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            return False
        seen.add(id(item))
        if isinstance(item, dict):
            stack += [v for v in item.values() if type(v) not in _SCALARS]
        elif isinstance(item, (list, tuple)):
            if isinstance(item, tuple) and hasattr(item, "_asdict"):
                return True
            stack += [v for v in item if type(v) not in _SCALARS]
    return False


def to_json(result: Any, execution_env: str | None = None) -> str | bytes:
    """Marshal the handler's result as awslambdaric's ``LambdaMarshaller.marshal_response``:
    ``bytes`` pass through as they are; a ``Decimal`` is written as its exact text
    (``Decimal("1.50")`` -> ``1.50``), a NaN one as ``NaN``; non-ASCII text is kept as is on
    python3.12 and later (``execution_env``: ``AWS_EXECUTION_ENV``, this process's by default);
    anything else not JSON is a ``Runtime.MarshalError`` with the encoder's own message.

    The stdlib's C encoder does the work; a result it would write differently from simplejson
    (a namedtuple inside) or refuse (a key that is not a str, int, float, bool or None) is
    first rewritten by :func:`_as_simplejson_sees_it`, which also words simplejson's errors."""
    if isinstance(result, bytes):
        return result
    if execution_env is None:
        execution_env = _EXECUTION_ENV
    ensure_ascii = execution_env not in UNESCAPED_RUNTIMES
    try:
        try:
            if _holds_namedtuple(result):
                raise TypeError("rewrite")
            return _dumps(result, ensure_ascii)
        except TypeError:
            return _dumps(_as_simplejson_sees_it(result), ensure_ascii)
    except (TypeError, ValueError, RecursionError) as e:
        raise FaultException(
            FaultException.MARSHAL_ERROR, f"Unable to marshal response: {e}"
        ) from None


def _dumps(result: Any, ensure_ascii: bool) -> str:
    numbers = _ExactNumbers()
    text = json.dumps(result, default=numbers.default, ensure_ascii=ensure_ascii, allow_nan=True)
    return numbers.restore(text)


# -- logs -----------------------------------------------------------------------------------
class LogSink:
    """Collects one invocation's log events: print() lines and logging records."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self._partial = ""

    def write(self, text: str) -> int:
        self._partial += text
        if "\n" in self._partial:
            *lines, self._partial = self._partial.split("\n")
            self.events.extend(lines)
        return len(text)

    def event(self, message: str) -> None:
        """A whole log event (multi-line messages stay one event)."""
        self.flush()
        self.events.append(message.rstrip("\n"))

    def flush(self) -> None:
        if self._partial:
            self.events.append(self._partial)
            self._partial = ""

    def take(self) -> list[str]:
        self.flush()
        events, self.events = self.events, []
        return events


class _Stream:
    """sys.stdout / sys.stderr inside the environment: everything goes to the log."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: str) -> int:
        sink = _CURRENT_SINK[0]
        return sink.write(text) if sink is not None else len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)


_CURRENT_SINK: list[LogSink | None] = [None]
_REQUEST_ID: list[str] = [""]


class _Handler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        sink = _CURRENT_SINK[0]
        if sink is not None:
            sink.event(self.format(record))


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "botocore.configprovider" and str(record.msg).startswith(
            "Found endpoint for"
        ):
            return False  # the sandbox's endpoint variable: not a line AWS would print
        record.aws_request_id = _REQUEST_ID[0]
        return True


class PlatformClock:
    """Timestamps on the sandbox's clock: ``base`` epoch seconds plus scaled real time."""

    def __init__(self, base: float, speed: float | None) -> None:
        self.base, self.speed, self.start = base, speed, time.monotonic()

    def time(self) -> float:
        if self.speed is None:
            return self.base
        return self.base + (time.monotonic() - self.start) * self.speed


_PLATFORM_CLOCK: list[PlatformClock | None] = [None]


def _converter(_: float | None = None) -> time.struct_time:
    clock = _PLATFORM_CLOCK[0]
    return time.gmtime(clock.time() if clock else time.time())


class _Formatter(logging.Formatter):
    converter = staticmethod(_converter)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        clock = _PLATFORM_CLOCK[0]
        now = clock.time() if clock else record.created
        record.msecs = int((now % 1) * 1000)
        return time.strftime(datefmt or "%Y-%m-%dT%H:%M:%S", time.gmtime(now))

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        """Tracebacks from ``logger.exception`` name files under ``/var/task``, as on AWS."""
        text = super().formatException(ei)
        root = os.environ.get("LAMBDA_TASK_ROOT")
        return text.replace(f'File "{root}', f'File "{DISPLAY_TASK_ROOT}') if root else text


def log_handler() -> logging.Handler:
    """The root logger's handler as the AWS runtime has it: the runtime's line format on the
    platform clock, the request id, into the current log sink."""
    handler = _Handler()
    handler.setFormatter(_Formatter(LOG_FORMAT, "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(_RequestIdFilter())
    return handler


def setup_logging() -> None:
    """Root logger as the AWS runtime sets it up (level from AWS_LAMBDA_LOG_LEVEL)."""
    logger = logging.getLogger()
    logger.addHandler(log_handler())
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in logging._nameToLevel:
        logger.setLevel(level)


class Capture:
    """``with Capture(sink, request_id, clock):`` print() and logging go to ``sink`` as this
    runtime writes them (request id, platform clock) while the block runs, then everything is
    as before. For a handler that runs in the caller's own process (``invoke_local``), not in
    a worker that this module runs as a whole."""

    def __init__(self, sink: LogSink, request_id: str, clock: PlatformClock) -> None:
        self.sink, self.request_id, self.clock = sink, request_id, clock
        self.handler = log_handler()
        self.previous: tuple = ()
        self.streams: tuple = ()

    def __enter__(self) -> Capture:
        self.previous = (_CURRENT_SINK[0], _REQUEST_ID[0], _PLATFORM_CLOCK[0])
        self.streams = (sys.stdout, sys.stderr)
        _CURRENT_SINK[0], _REQUEST_ID[0] = self.sink, self.request_id
        _PLATFORM_CLOCK[0] = self.clock
        logging.getLogger().addHandler(self.handler)
        sys.stdout = sys.stderr = _Stream()  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stdout, sys.stderr = self.streams
        logging.getLogger().removeHandler(self.handler)
        _CURRENT_SINK[0], _REQUEST_ID[0], _PLATFORM_CLOCK[0] = self.previous


# -- the sandbox's network rule, inside the environment too --------------------------------
def install_guard(path: str) -> None:
    """Load the sandbox's one network guard (``workshop_lib/netguard.py``) by its file path
    and install it: this process has no access to the course's packages (``-I -S``)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("workshop_netguard", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"the sandbox's network guard is not at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.install()


# -- the pipe protocol ------------------------------------------------------------------------
def encode(message: dict[str, Any]) -> bytes:
    """A message for the pipe. marshal, not JSON: both ends are the same interpreter
    (``sys.executable``) and it is several times faster for these flat dictionaries."""
    return marshal.dumps(message)


def decode(frame: bytes) -> dict[str, Any]:
    return marshal.loads(frame)


def read_frame(fd: int) -> bytes | None:
    """The next length-prefixed frame (None: the other side closed the pipe).

    Usually one ``read``: each side has at most one frame in flight (a request, then its
    answer), so a greedy first read never takes bytes of a later frame.
    """
    data = _read_some(fd)
    if not data:
        return None
    if len(data) < _HEADER.size:
        rest = _read_exactly(fd, _HEADER.size - len(data))
        if rest is None:
            return None
        data += rest
    (length,) = _HEADER.unpack_from(data)
    body = data[_HEADER.size :]
    if len(body) < length:
        rest = _read_exactly(fd, length - len(body))
        if rest is None:
            return None
        body += rest
    return body


def _read_some(fd: int) -> bytes:
    """One greedy read (empty: end of file), waiting if the pipe is non-blocking and empty."""
    while True:
        try:
            return os.read(fd, 1 << 16)
        except BlockingIOError:
            select.select([fd], [], [])


def _read_exactly(fd: int, n: int) -> bytes | None:
    """``n`` more bytes of a frame that has begun to arrive. The pipe may be in non-blocking
    mode (an event loop watching it, uvloop's ``add_reader``, sets O_NONBLOCK): a frame
    larger than the pipe's buffer then arrives in pieces, and an empty pipe means "wait for
    the writer", never "give up" (the writer is mid-frame; its end of file ends the wait)."""
    chunks, remaining = [], n
    while remaining:
        try:
            chunk = os.read(fd, min(remaining, 1 << 20))
        except BlockingIOError:  # see above: wait for the writer
            select.select([fd], [], [])
            continue
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def write_frame(fd: int, payload: bytes) -> None:
    data = _HEADER.pack(len(payload)) + payload
    written = os.write(fd, data)  # the whole frame, unless the pipe's buffer is full
    if written < len(data):
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view) :]


#: (pid, descriptor) of /proc/self/status, kept open while it is read (see max_memory_mb)
_STATUS: list[tuple[int, int]] = []
#: the pid whose getrusage peak is known to be its own program's (see max_memory_mb)
_OWN_PEAK: list[int] = []


def _rusage_kb() -> int | None:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb // 1024 if sys.platform == "darwin" else kb  # bytes on macOS


def max_memory_mb() -> int:
    """This process's peak resident memory, for the REPORT line's "Max Memory Used".

    Linux: VmHWM, the peak of this program only. getrusage's ru_maxrss is
    ``max(VmHWM, the peak of the image this process replaced)``, and a process that forks
    and execs a worker hands it its own size: every worker a notebook kernel started that
    way would report the kernel's. So the first call reads VmHWM; once ru_maxrss is no
    larger, the two agree for good (VmHWM only grows) and getrusage answers: a system call
    instead of the kernel writing out the whole status file after every warm invoke.
    """
    pid = os.getpid()
    if _OWN_PEAK and _OWN_PEAK[0] == pid:
        return (_rusage_kb() or 0) // 1024
    try:
        if not _STATUS or _STATUS[0][0] != pid:  # a forked child opens its own
            _STATUS[:] = [(pid, os.open("/proc/self/status", os.O_RDONLY))]
        status = os.pread(_STATUS[0][1], 4096, 0)
        start = status.index(b"VmHWM:") + 6
        peak_kb = int(status[start : status.index(b"kB", start)])
    except (OSError, ValueError):  # no /proc (macOS): getrusage, whose peak is its own there
        return (_rusage_kb() or 0) // 1024
    rusage = _rusage_kb()
    if rusage is not None and rusage <= peak_kb:
        _OWN_PEAK[:] = [pid]
        os.close(_STATUS.pop()[1])
    return peak_kb // 1024


def invoke_handler(handler: Any, request: dict[str, Any], sink: LogSink) -> dict[str, Any]:
    """Run one invocation: the handler's payload or error, its logs and duration."""
    request_id = request["request_id"]
    _REQUEST_ID[0] = request_id
    _PLATFORM_CLOCK[0] = PlatformClock(request["clock"], request.get("clock_speed"))
    context = LambdaContext(
        request_id,
        request.get("client_context"),
        request.get("identity"),
        request["deadline_ms"],
        request["invoked_function_arn"],
    )
    start = time.perf_counter()
    error = None
    payload = None
    try:
        if "event_value" in request:  # sent decoded (service.DecodedEvent)
            event = request["event_value"]
        else:
            event = json.loads(request["event"]) if request["event"] else {}
        payload = to_json(handler(event, context))
    except FaultException as e:
        error = make_error(e.msg, e.exception_type, e.trace, request_id)
    except Exception as e:
        error = error_from_exception(e, request_id)
    duration_ms = (time.perf_counter() - start) * 1000
    if error is not None:
        sink.event(error_log_text(error))
    _REQUEST_ID[0] = ""
    return {"payload": payload, "error": error, "duration_ms": duration_ms}


def main() -> None:
    fd_in, fd_out = (int(x) for x in os.environ.pop("_WORKSHOP_RUNTIME_FDS").split(","))
    extra_paths = [p for p in os.environ.pop("_WORKSHOP_PYTHONPATH", "").split(os.pathsep) if p]
    contained = os.environ.pop("_WORKSHOP_CONTAINED", None)  # set by containment.py
    install_guard(os.environ.pop("_WORKSHOP_NETGUARD"))  # before any of the function's code
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    sys.path[:0] = [task_root, *extra_paths]
    os.chdir(task_root)
    sys.stdout = sys.stderr = _Stream()  # type: ignore[assignment]
    sink = LogSink()
    _CURRENT_SINK[0] = sink
    setup_logging()

    # INIT: import the handler once; report how long it took (including interpreter start)
    init_error = None
    handler = None
    frame = read_frame(fd_in)
    init_request = decode(frame) if frame else {}
    _PLATFORM_CLOCK[0] = PlatformClock(init_request.get("clock", time.time()), None)
    started = time.perf_counter()
    try:
        handler = get_handler(os.environ["_HANDLER"])
    except FaultException as e:
        init_error = make_error(e.msg, e.exception_type, e.trace)
    except Exception as e:  # the module raised while being imported
        init_error = error_from_exception(e, None)
    if init_error is not None:
        sink.event(error_log_text(init_error))
    ready = {
        "init_ms": (time.perf_counter() - started) * 1000,
        "error": init_error,
        "logs": sink.take(),
        "max_memory_mb": max_memory_mb(),
        "containment": contained,
    }
    write_frame(fd_out, encode(ready))
    if init_error is not None:
        return

    while True:
        frame = read_frame(fd_in)
        if frame is None:
            return
        request = decode(frame)
        result = invoke_handler(handler, request, sink)
        result["logs"] = sink.take()
        result["max_memory_mb"] = max_memory_mb()
        write_frame(fd_out, encode(result))


if __name__ == "__main__":
    main()
