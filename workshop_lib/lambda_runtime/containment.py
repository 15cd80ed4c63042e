"""What contains one execution environment: the launcher each Lambda worker starts under.

The parent (``environment.py``) starts ``python -I -S -c ENTRY containment.py BOOTSTRAP`` with an
environment built from an allow-list, so this launcher's ``/proc/<pid>/environ`` holds no
learner secret; the worker is its forked child, which runs ``bootstrap.py`` in-process.

On Linux the launcher enters new namespaces and forks the worker into them:

- a mount namespace (and a user namespace when not root), in which the worker mounts a
  tmpfs of the function's ``EphemeralStorage`` size on ``/tmp`` (a write beyond it fails with
  ENOSPC, as on AWS; the memory goes with the namespace) and a ``/proc`` of its own;
- a PID namespace, in which the worker is process 1: when it dies the kernel kills every
  process it started, ``setsid`` ones included, and the notebook's (or server's) process is
  not in its ``/proc``, so its environment cannot be read there;
- then the worker drops every capability (it cannot unmount that ``/proc``) and sets
  ``PR_SET_PDEATHSIG``: it dies with the launcher.

Where namespaces are unavailable (macOS, a container or kernel that forbids them) the
fallback is weaker, and says so once (:func:`note`): ``TMPDIR`` points at a private folder
removed with the environment (code that writes to ``/tmp`` by name still reaches the
host's), ``RLIMIT_FSIZE`` caps each file at the storage size (EFBIG, not ENOSPC, and not the
total), and the launcher is a child subreaper that kills every process left below it
(Linux; elsewhere only the worker's process group).

The launcher dies with its parent: it watches the request pipe, whose write end only the
parent holds, for a hang-up (``PR_SET_PDEATHSIG`` would fire when the parent *thread* that
started it exits, and a sandbox starts workers from many threads).

Where ``launcher.c`` is built (``native.py``: Linux with a C compiler), it is the launcher
and the namespace's init, doing what :func:`main` does with namespaces, and this file only
runs the worker (``MODE_VAR`` is :data:`INSIDE`) or, where namespaces cannot be made, the
fallback.

Standard library only, and nothing imported at module level beyond what the worker needs:
this file runs in every cold start.
"""

from __future__ import annotations

import os
import signal
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: how the parent tells the launcher what to do (removed from the worker's environment)
MODE_VAR = "_WORKSHOP_CONTAINMENT"  # "auto" (namespaces when possible), "userns", "fallback"
TMP_MB_VAR = "_WORKSHOP_TMP_MB"
TMP_DIR_VAR = "_WORKSHOP_TMP_DIR"  # the fallback's private folder (the parent removes it)
KEEP_VAR = "_WORKSHOP_KEEP"  # folders the worker reads (its code, this Python): kept visible
#: what the parent sends the launcher to end a fallback environment (namespaces: SIGKILL)
KILL_SIGNAL = signal.SIGUSR1
#: how the launcher tells the worker what it got, for the INIT answer (bootstrap pops it)
CONTAINED_VAR = "_WORKSHOP_CONTAINED"
#: the user's choice, read in the parent: WORKSHOP_CONTAINMENT=fallback skips namespaces
USER_VAR = "WORKSHOP_CONTAINMENT"
#: MODE_VAR's value for a worker the native launcher (launcher.c) has contained already
INSIDE = "inside"
#: why the native launcher could not make namespaces (it then runs this one as the fallback)
REASON_VAR = "_WORKSHOP_FALLBACK_REASON"

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 2, 4, 8
_MNT_DETACH = 2
_MS_RDONLY, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 32, 4096, 0x4000, 1 << 18
_PR_SET_PDEATHSIG = 1
_PR_CAPBSET_DROP = 24
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_NO_NEW_PRIVS = 38
_CAPABILITY_VERSION_3 = 0x20080522


class _Libc:
    """The few libc calls the standard library does not wrap (ctypes, loaded on first use)."""

    def __init__(self) -> None:
        import ctypes

        self.ctypes = ctypes
        self.lib = ctypes.CDLL(None, use_errno=True)

    def call(self, name: str, *args: Any) -> None:
        if getattr(self.lib, name)(*args) != 0:
            errno = self.ctypes.get_errno()
            raise OSError(errno, f"{name}: {os.strerror(errno)}")

    def prctl(self, option: int, value: int) -> None:
        c = self.ctypes
        zero = c.c_ulong(0)
        self.call("prctl", c.c_int(option), c.c_ulong(value), zero, zero, zero)

    def mount(self, source: str, target: str, fstype: str | None, flags: int, data: str) -> None:
        c = self.ctypes
        self.call(
            "mount",
            source.encode(),
            target.encode(),
            fstype.encode() if fstype else None,
            c.c_ulong(flags),
            data.encode() if data else None,
        )

    def drop_capabilities(self) -> None:
        """No capability left, now or after an exec (the bounding set is emptied too)."""
        with open("/proc/sys/kernel/cap_last_cap") as f:
            last = int(f.read())
        for cap in range(last + 1):
            self.prctl(_PR_CAPBSET_DROP, cap)
        self.prctl(_PR_SET_NO_NEW_PRIVS, 1)
        c = self.ctypes
        header = (c.c_uint32 * 2)(_CAPABILITY_VERSION_3, 0)
        data = (c.c_uint32 * 6)()  # effective, permitted, inheritable (two words each): none
        self.call("capset", header, data)


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _enter_namespaces(libc: _Libc, user: bool, tmp_mb: int, keep: list[str]) -> None:
    """Unshare mount and PID namespaces (and a user one: needed to do so without root) and
    mount the environment's /tmp; the next child forked is PID 1 of the new namespace."""
    uid, gid = os.geteuid(), os.getegid()
    # the PID namespace last: a kernel that lets a user namespace be made but grants it no
    # capability (Ubuntu's AppArmor default) fails at the mounts, and the fallback's worker
    # must not then be PID 1 of a namespace (PID 1 ignores its own SIGKILL)
    libc.call("unshare", libc.ctypes.c_int(_CLONE_NEWNS | (_CLONE_NEWUSER if user else 0)))
    if user:  # the same ids inside, so files keep their owners
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    libc.mount("none", "/", None, _MS_REC | _MS_PRIVATE, "")  # nothing leaks to the host
    # what the worker reads from the host's /tmp (the function's unpacked code, maybe this
    # Python) stays there, read-only like /var/task on AWS: bound back in from a handle on
    # the host's /tmp taken before the new one covers it
    inside = sorted(p for p in keep if p == "/tmp" or p.startswith("/tmp/"))
    inside = [p for i, p in enumerate(inside) if not any(_below(p, q) for q in inside[:i])]
    host_tmp = os.open("/tmp", os.O_PATH | os.O_DIRECTORY) if inside else -1
    libc.mount("tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={tmp_mb}m,mode=1777")
    try:
        for path in inside:
            source = f"/proc/self/fd/{host_tmp}{path[len('/tmp') :]}"
            os.makedirs(path, exist_ok=True)
            libc.mount(source, path, None, _MS_BIND | _MS_REC, "")
            libc.mount("none", path, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY, "")
    except OSError:  # the fallback needs the host's /tmp back (the code lives there)
        libc.call("umount2", b"/tmp", libc.ctypes.c_int(_MNT_DETACH))
        raise
    finally:
        if host_tmp >= 0:
            os.close(host_tmp)
    libc.call("unshare", libc.ctypes.c_int(_CLONE_NEWPID))


def _below(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _contain_namespace(libc: _Libc, tmp_mb: int) -> str:
    """In PID 1 of the new namespace: a /proc of its own, no capabilities. What fails here
    is reported (the parent warns), not fatal: /tmp and the PID namespace hold."""
    done = [f"namespaces: {tmp_mb} MB tmpfs /tmp"]
    try:
        libc.mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, "")
        done.append("private /proc")
    except OSError as exc:  # e.g. a container that masks parts of /proc
        done.append(f"the host's /proc ({exc.strerror})")
    try:
        libc.drop_capabilities()
        done.append("no capabilities")
    except OSError as exc:
        done.append(f"capabilities kept ({exc.strerror})")
    return ", ".join(done)


def _init(libc: _Libc, status_w: int, answers: int) -> None:
    """PID 1 of the namespace: fork the worker (returning in it), reap orphans until it
    ends, hand its end to the launcher and exit; the kernel then kills what is left.

    The worker is not PID 1 itself because PID 1 ignores signals it has no handler for,
    even SIGKILL from inside its namespace: ``os.kill(os.getpid(), 9)`` must end it as on
    AWS, where the runtime is not the namespace's init either."""
    worker = os.fork()
    if worker == 0:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        return
    os.close(answers)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:  # pragma: no cover - the worker is always a child
            os._exit(1)
        if pid == worker:
            os.write(status_w, str(status).encode())
            os._exit(0)


def _children() -> list[int]:
    """This process's children (orphans a subreaper adopted included)."""
    pid = os.getpid()
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        pass
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry))
    return found


def _sweep() -> None:
    """Kill every process left below this subreaper; their orphans come here in turn."""
    for _ in range(1000):
        pids = _children()
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def _supervise(child: int, lifeline: int) -> int:
    """Wait for the worker; kill it if the parent dies (the request pipe hangs up)."""
    import select

    poller = select.poll()
    poller.register(lifeline, 0)  # POLLHUP is reported whatever the mask
    try:
        pidfd = os.pidfd_open(child)
        poller.register(pidfd, select.POLLIN)
        timeout = None
    except (AttributeError, OSError):  # no pidfd (macOS, old kernels): look now and then
        timeout = 200
    parent = os.getppid()
    while True:
        try:
            events = poller.poll(timeout)
        except InterruptedError:  # pragma: no cover - PEP 475 retries
            events = []
        orphaned = any(fd == lifeline for fd, _ in events) or os.getppid() != parent
        if orphaned:
            _kill(child)
        pid, status = os.waitpid(child, 0 if orphaned else os.WNOHANG)
        if pid:
            return status


def _kill(pid: int) -> None:
    try:  # noqa: SIM105 - contextlib stays unimported in the launcher (every cold start)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _exit_like(status: int) -> None:
    """End as the worker ended, so the parent words it as Lambda does (``signal: killed``)."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def _run_bootstrap(path: str) -> None:
    """Run bootstrap.py as this process's main module (as ``python bootstrap.py`` would),
    from its cached bytecode when there is some (a script is compiled afresh each cold start)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("__main__", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["__main__"] = module
    sys.argv[:] = [path]
    spec.loader.exec_module(module)


#: what the parent runs: this file loaded from its cached bytecode, then main(BOOTSTRAP)
ENTRY = (
    "import importlib.util as u, sys\n"
    "s = u.spec_from_file_location('workshop_containment', sys.argv[1])\n"
    "m = u.module_from_spec(s)\n"
    "s.loader.exec_module(m)\n"
    "m.main(sys.argv[2])\n"
)


def main(bootstrap: str) -> None:
    mode = os.environ.pop(MODE_VAR, "auto")
    if mode == INSIDE:  # the worker of launcher.c, which did all of the below
        _run_bootstrap(bootstrap)
        return
    tmp_mb = int(os.environ.pop(TMP_MB_VAR))
    tmp_dir = os.environ.pop(TMP_DIR_VAR, "")
    keep = [os.path.realpath(p) for p in os.environ.pop(KEEP_VAR, "").split(":") if p]
    lifeline = int(os.environ["_WORKSHOP_RUNTIME_FDS"].split(",")[0])
    answers = int(os.environ["_WORKSHOP_RUNTIME_FDS"].split(",")[1])

    libc = None
    reason = os.environ.pop(REASON_VAR, "")
    if mode == "fallback" and not reason:
        reason = "forced by WORKSHOP_CONTAINMENT=fallback"
    namespaces = False
    if mode != "fallback":
        if not sys.platform.startswith("linux"):
            reason = f"no Linux namespaces on {sys.platform}"
        else:
            try:
                libc = _Libc()
                _enter_namespaces(libc, mode == "userns" or os.geteuid() != 0, tmp_mb, keep)
                namespaces = True
            except OSError as exc:
                reason = f"namespaces unavailable: {exc.strerror or exc}"
            except ImportError as exc:  # a Python built without ctypes
                reason = f"namespaces unavailable: {exc}"
    sweeper = "the process group only"  # what kills what a handler leaves (fallback)
    if not namespaces:
        if sys.platform.startswith("linux"):
            try:
                libc = libc or _Libc()
                libc.prctl(_PR_SET_CHILD_SUBREAPER, 1)
                sweeper = "a subreaper"
            except (OSError, ImportError) as exc:
                reason += f"; no subreaper ({exc})"
        if tmp_dir:
            os.mkdir(tmp_dir, 0o700)

    status_r, status_w = os.pipe()  # namespaces: the worker's end, from the init below
    child = os.fork()
    if child == 0:
        os.close(status_r)
        if libc is not None:
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if namespaces:
            assert libc is not None
            contained = _contain_namespace(libc, tmp_mb)
            _init(libc, status_w, answers)  # returns in the worker only
        else:
            if tmp_dir:
                os.environ["TMPDIR"] = tmp_dir
            import resource

            limit = tmp_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            contained = f"fallback ({reason}): TMPDIR, RLIMIT_FSIZE {tmp_mb} MB, {sweeper}"
        os.close(status_w)
        os.environ[CONTAINED_VAR] = contained
        _run_bootstrap(bootstrap)
        return

    os.close(status_w)
    os.close(answers)  # the parent sees the end of file when the worker dies, not later
    # the parent's kill in the fallback (KILL_SIGNAL): the worker first, the rest below
    signal.signal(KILL_SIGNAL, lambda *_: _kill(child))
    status = _supervise(child, lifeline)
    relayed = os.read(status_r, 32)
    if relayed:  # the namespace's init ended after the worker: the worker's end is the one
        status = int(relayed)
    if not namespaces:
        if tmp_dir:
            import shutil

            shutil.rmtree(tmp_dir, ignore_errors=True)
        if sys.platform.startswith("linux"):
            _sweep()
        elif os.WIFSIGNALED(status):  # no subreaper: the process group at least, this one too
            os.killpg(0, signal.SIGKILL)
    _exit_like(status)


# -- the parent's side -----------------------------------------------------------------------
_NOTED: list[str] = []


def note(contained: str | None) -> None:
    """Warn once per process when environments run without namespaces."""
    if not contained or not contained.startswith("fallback") or _NOTED:
        return
    _NOTED.append(contained)
    import warnings

    warnings.warn(
        f"workshop sandbox: Lambda environments are only partly contained here, {contained}: "
        "a handler's /tmp is a private folder (TMPDIR) without a size limit on the total, and "
        "processes it starts are killed with it only on Linux. See the README's threat model.",
        RuntimeWarning,
        stacklevel=2,
    )


if __name__ == "__main__":
    main(sys.argv[1])
