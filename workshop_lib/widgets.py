"""ipywidgets front ends over plain functions: the function computes, the widget shows.

:class:`Explorer` wires named controls to a function's keyword arguments and shows its text
result in an HTML box, updated on every change. ``kwargs`` and ``update()`` let tests and
other front ends drive the same function without a browser.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any


class Explorer:
    """Controls named after a function's arguments, and the function's text below them."""

    def __init__(self, controls: dict[str, Any], render: Callable[..., str]) -> None:
        import ipywidgets as widgets

        self.controls = controls
        self.render = render
        self.output = widgets.HTML()
        self.widget = widgets.VBox([*controls.values(), self.output])
        for control in controls.values():
            control.observe(lambda _change: self.update(), names="value")
        self.update()

    @property
    def kwargs(self) -> dict[str, Any]:
        """The function's arguments as the controls stand."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> str:
        text = self.render(**self.kwargs)
        self.output.value = f"<pre>{html.escape(text)}</pre>"
        return text

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
