"""Kernels of the course's environment say what to run when a cell needs the cells above.

After a kernel restart (or on opening a notebook and running a cell in the middle) every name
the cells above defined is gone: ``aws``, ``check``, ``ddb``... IPython's bare
``NameError: name 'aws' is not defined`` does not say that the cure is to run those cells.
This IPython extension adds it to the error, in every kernel of this environment:

    NameError: name 'aws' is not defined: if a cell above defines it, run the cells above
    first (Run > Run All Above): a restarted kernel has forgotten them

No notebook cell can install that (the cell that would is the one not run), so
:func:`install` writes ``<environment>/etc/ipython/ipython_kernel_config.py``, which IPython
reads in every kernel started with this environment's Python (JupyterLab from ``make lab``,
Binder, VS Code, nbval). ``make install``, ``workshop lab`` and the test run call it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HINT = (
    "if a cell above defines it, run the cells above first (Run > Run All Above): "
    "a restarted kernel has forgotten them"
)
MARK = "# written by workshop_lib.kernelhints"
CONFIG = f"""{MARK}: kernels of this environment say what to run when a name
# from the cells above is missing (after a kernel restart). Delete this file to turn it off.
c.InteractiveShellApp.extensions.append("workshop_lib.kernelhints")
"""


def with_hint(error: NameError) -> NameError:
    """``error`` with :data:`HINT` added to its message (once)."""
    if HINT in str(error):
        return error
    hinted = NameError(f"{error}: {HINT}", name=getattr(error, "name", None))
    hinted.__traceback__ = error.__traceback__
    return hinted


def _show_with_hint(
    shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None
) -> None:
    shell.showtraceback((etype, with_hint(value), tb), tb_offset=tb_offset)


def load_ipython_extension(shell: Any) -> None:
    """IPython's entry point: NameErrors of cells get :data:`HINT`."""
    shell.set_custom_exc((NameError,), _show_with_hint)


def config_path(prefix: str | None = None) -> Path:
    """The kernel configuration file of an environment (this one by default)."""
    return Path(prefix or sys.prefix) / "etc" / "ipython" / "ipython_kernel_config.py"


def install(prefix: str | None = None) -> bool:
    """Make every kernel of the environment load this extension; False if the environment
    already has a kernel configuration of someone else's (left as it is)."""
    path = config_path(prefix)
    if path.exists() and not path.read_text().startswith(MARK):
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(CONFIG)
    except OSError:
        return False  # a read-only environment: the kernels work, without the hint
    return True


if __name__ == "__main__":
    sys.exit(0 if install() else 1)
