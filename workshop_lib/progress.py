"""Progress across the whole course: ``workshop progress`` and its table.

``exercises.progress("03")`` shows one notebook; this shows every notebook of the course.
Both read :func:`workshop_lib.exercises.statuses` (``$WORKSHOP_HOME/progress.json``).
"""

from __future__ import annotations

from pathlib import Path

from workshop_lib.exercises import NOT_ATTEMPTED, PASSED, exercises_of, statuses

ROOT = Path(__file__).resolve().parent.parent


def notebooks() -> list[str]:
    """The course's notebook numbers, from the solutions folder."""
    return sorted(p.name[:2] for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def course_progress() -> list[tuple[str, str, str, str]]:
    """Rows of (notebook, exercise, status, title) for every exercise of the course."""
    saved = statuses()
    return [
        (notebook, ex.id, saved.get(ex.id, NOT_ATTEMPTED), ex.title)
        for notebook in notebooks()
        for ex in exercises_of(notebook)
    ]


def describe(rows: list[tuple[str, str, str, str]]) -> str:
    done = sum(1 for r in rows if r[2] == PASSED)
    lines = [f"{done} of {len(rows)} exercises passed"]
    width = max([len(NOT_ATTEMPTED)] + [len(r[2]) for r in rows])
    current = None
    for notebook, ex_id, status, title in rows:
        if notebook != current:
            passed = sum(1 for r in rows if r[0] == notebook and r[2] == PASSED)
            total = sum(1 for r in rows if r[0] == notebook)
            lines.append(f"notebook {notebook}: {passed}/{total}")
            current = notebook
        lines.append(f"  {ex_id:<6} {status:<{width}}  {title}")
    return "\n".join(lines)


def progress_widget() -> object:
    """The same table in the notebook, as an HTML widget with a bar per notebook."""
    import html

    import ipywidgets as widgets

    rows = course_progress()
    bars = []
    for notebook in notebooks():
        mine = [r for r in rows if r[0] == notebook]
        passed = sum(1 for r in mine if r[2] == PASSED)
        bars.append(
            widgets.IntProgress(
                value=passed, max=max(1, len(mine)), description=f"notebook {notebook}"
            )
        )
    return widgets.VBox([*bars, widgets.HTML(f"<pre>{html.escape(describe(rows))}</pre>")])
