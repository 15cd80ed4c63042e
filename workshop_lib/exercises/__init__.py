"""Exercise checks: ``check("1.2", answer)`` prints one stable line and never raises.

Each notebook's checkers live in ``workshop_lib/exercises/nbNN.py`` and register with
:func:`exercise`. A checker raises :class:`Fail` with what is wrong and a hint for the next
step; an answer left as ``...`` / ``None``, or a function that still raises
``NotImplementedError``, is "not attempted yet".
"""

from __future__ import annotations

import importlib
import json
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PASSED = "passed"
NOT_ATTEMPTED = "not attempted yet"
FAILED = "FAILED"


class Fail(Exception):
    """Raised by a checker: ``what`` is wrong, ``hint`` is the next step."""

    def __init__(self, what: str, hint: str) -> None:
        super().__init__(what)
        self.what = what
        self.hint = hint


class NotAttempted(Exception):
    """Raised by a checker when the answer is still the stub."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id (``"1.2"``), title and checker."""

    id: str
    title: str
    checker: Callable[[Any], None]
    hint: str  # what to try when the learner's own code raises

    @property
    def notebook(self) -> str:
        return notebook_of(self.id)


REGISTRY: dict[str, Exercise] = {}
_UNSAVED: dict[str, str] = {}  # statuses the progress file could not take (a read-only home)
_last_notebook: str | None = None


def notebook_of(exercise_id: str) -> str:
    """``"1.2"`` → ``"01"``."""
    head = exercise_id.split(".", 1)[0]
    return f"{int(head):02d}" if head.isdigit() else head


def exercise(exercise_id: str, title: str, hint: str) -> Callable[[Callable], Callable]:
    """Register ``checker`` as the check of exercise ``exercise_id``."""

    def register(checker: Callable[[Any], None]) -> Callable[[Any], None]:
        REGISTRY[exercise_id] = Exercise(exercise_id, title, checker, hint)
        return checker

    return register


def _load(notebook: str) -> None:
    try:
        importlib.import_module(f"{__name__}.nb{notebook}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.nb{notebook}":
            raise


def exercises_of(notebook: str) -> list[Exercise]:
    """The exercises of one notebook (``"01"``), in order."""
    _load(notebook)
    found = [ex for ex in REGISTRY.values() if ex.notebook == notebook]
    return sorted(found, key=lambda ex: [int(p) if p.isdigit() else p for p in ex.id.split(".")])


def is_stub(answer: Any) -> bool:
    """True while the answer is still the generated stub (``...`` or ``None``)."""
    return answer is ... or answer is None


def evaluate(exercise_id: str, answer: Any) -> tuple[str, str]:
    """Run a check without printing: ``(status, line)``. The plain function under check()."""
    _load(notebook_of(exercise_id))
    ex = REGISTRY.get(exercise_id)
    if ex is None:
        known = ", ".join(sorted(REGISTRY)) or "none"
        return FAILED, (
            f"[{exercise_id}] FAILED: there is no exercise {exercise_id} — hint: check the "
            f"number in the cell (known: {known})"
        )
    if is_stub(answer):
        return NOT_ATTEMPTED, f"[{exercise_id}] {NOT_ATTEMPTED}"
    try:
        ex.checker(answer)
    except (NotAttempted, NotImplementedError):
        return NOT_ATTEMPTED, f"[{exercise_id}] {NOT_ATTEMPTED}"
    except Fail as fail:
        return FAILED, f"[{exercise_id}] FAILED: {fail.what} — hint: {fail.hint}"
    except Exception as exc:  # the learner's own code raised: say where, never re-raise
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f" (line {frame.lineno})" if frame.filename.startswith("<ipython") else ""
        return FAILED, (
            f"[{exercise_id}] FAILED: your code raised {type(exc).__name__}: {exc}{where} "
            f"— hint: {ex.hint}"
        )
    return PASSED, f"[{exercise_id}] {PASSED}"


class Status(str):
    """A status that a notebook does not echo: check() already printed its one line."""

    def _ipython_display_(self) -> None:
        pass


class Rows(list):
    """progress() rows that a notebook does not echo (the table is printed)."""

    def _ipython_display_(self) -> None:
        pass


def check(exercise_id: str, answer: Any) -> str:
    """Check an answer and print exactly one line: passed, not attempted yet, or FAILED."""
    global _last_notebook
    status, line = evaluate(exercise_id, answer)
    _last_notebook = notebook_of(exercise_id)
    _record(exercise_id, status)
    print(line)
    return Status(status)


def progress(notebook: str | None = None) -> list[tuple[str, str, str]]:
    """Print a table of a notebook's exercises and their status, as saved.

    The statuses are those ``workshop progress`` lists (:func:`statuses`): a kernel restart
    forgets nothing."""
    notebook = notebook or _last_notebook
    if notebook is None:
        print(
            'No exercise checked yet in this kernel: name the notebook, for example progress("03").'
        )
        return []
    notebook = notebook_of(notebook) if notebook.isdigit() else notebook
    saved = statuses()
    rows = [(ex.id, saved.get(ex.id, NOT_ATTEMPTED), ex.title) for ex in exercises_of(notebook)]
    width = max([len(NOT_ATTEMPTED)] + [len(r[1]) for r in rows])
    done = sum(1 for r in rows if r[1] == PASSED)
    print(f"Notebook {notebook}: {done} of {len(rows)} exercises passed")
    for ex_id, status, title in rows:
        print(f"  {ex_id:<6} {status:<{width}}  {title}")
    return Rows(rows)


def progress_file() -> Path:
    """Where statuses persist across sessions (``$WORKSHOP_HOME/progress.json``)."""
    home = os.environ.get("WORKSHOP_HOME") or os.path.join(Path.home(), ".workshop")
    return Path(home) / "progress.json"


def _record(exercise_id: str, status: str) -> None:
    path = progress_file()
    try:
        data = json.loads(path.read_text()) if path.exists() else {}
        if data.get(exercise_id) == PASSED and status != PASSED:
            return  # a re-run of an unsolved copy does not undo a pass
        data[exercise_id] = status
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, sort_keys=True))
        _UNSAVED.pop(exercise_id, None)
    except (OSError, ValueError):
        # progress is a comfort, never a reason to fail a check: kept for this kernel only
        if _UNSAVED.get(exercise_id) != PASSED or status == PASSED:
            _UNSAVED[exercise_id] = status


def saved_progress() -> dict[str, str]:
    """Statuses saved by every session so far, as the progress file holds them."""
    try:
        return json.loads(progress_file().read_text())
    except (OSError, ValueError):
        return {}


def statuses() -> dict[str, str]:
    """Every exercise's status: the one source of ``progress()`` and ``workshop progress``.

    The progress file, plus what this process could not write to it."""
    saved = saved_progress()
    for exercise_id, status in _UNSAVED.items():
        if saved.get(exercise_id) != PASSED:
            saved[exercise_id] = status
    return saved


__all__ = ["Fail", "NotAttempted", "check", "evaluate", "exercise", "exercises_of", "progress"]
