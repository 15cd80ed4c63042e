"""Progress bars (tqdm) for the steps that take more than a couple of seconds.

A learner watching a cell for five silent seconds wonders whether it hangs; a bar says it
does not. Bars show while the cell runs and vanish when it ends (``leave=False``), so an
executed notebook looks the same with or without them. Executions that are compared with
their saved outputs (nbval, ``make notebooks``) set :data:`NO_BARS` and get none: a bar's
redraws depend on timing, and strict output comparison must not.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
#: Set to "1" to turn bars off (the test suite and the authoring step do).
NO_BARS = "WORKSHOP_NO_PROGRESS_BARS"


def bars_enabled() -> bool:
    """False where outputs are compared with saved ones (see :data:`NO_BARS`)."""
    return os.environ.get(NO_BARS) != "1"


def bar(
    items: Iterable[T], *, desc: str, total: int | None = None, unit: str = "step"
) -> Iterator[T]:
    """``items`` with a bar labelled ``desc``: a widget in Jupyter, text in a terminal."""
    if not bars_enabled():
        yield from items
        return
    from tqdm.auto import tqdm

    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with tqdm(items, desc=desc, total=total, unit=unit, leave=False) as progress:
        yield from progress


@contextmanager
def percent(desc: str) -> Iterator[Callable[[float], None]]:
    """A bar from 0 to 100 %, for work that reports how far it is (pytest's ``[ 46%]``):
    ``with percent("tests") as at: at(46)``."""
    if not bars_enabled():
        yield lambda done: None
        return
    from tqdm.auto import tqdm

    with tqdm(total=100, desc=desc, leave=False, bar_format="{l_bar}{bar}| {n:.0f}%") as progress:

        def at(done: float) -> None:
            progress.update(max(0.0, min(100.0, done) - progress.n))

        yield at
