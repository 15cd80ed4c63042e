"""Run All twice: nbval runs each learner notebook a second time in the same kernel.

Learners re-run notebooks. A cell that fails the second time (a table that already exists) or
a sandbox that piles up on every Run All is a bug nbval's single pass cannot see. For every
notebook in a folder listed in the ``nbval_run_twice`` ini option, this plugin appends, after
the notebook's last cell:

- each of its code cells again (``Cell 3 again``): errors fail, outputs are not compared, since a
  second run may rightly print something else;
- a probe cell: at most one moto mock (the notebook's own sandbox) is still running.

They run in nbval's kernel, before nbval stops it, so the second pass costs only itself.
nbval 0.11's ``IPyNbCell(name, parent, cell_num, cell, options)`` is the seam; it is pinned, and
``tests/test_notebooks.py`` runs this plugin on notebooks that fail only the second time.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import nbformat
import pytest

INI = "nbval_run_twice"
PROBE_NAME = "at most one sandbox after Run All twice"
PROBE_SOURCE = (
    "from moto.core.models import MockAWS\n"
    "assert MockAWS._nested_count <= 1, (\n"
    '    f"{MockAWS._nested_count} moto mocks are running after Run All twice: "\n'
    '    "a cell starts one without stopping the last"\n'
    ")"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI, "folders whose notebooks nbval runs a second time", type="paths")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    folders = {Path(p).resolve() for p in config.getini(INI)}
    if not folders or not (config.option.nbval or config.option.nbval_lax):
        return
    from nbval.plugin import IPyNbCell

    by_file: dict[pytest.Collector, list[pytest.Item]] = defaultdict(list)
    for item in items:
        if isinstance(item, IPyNbCell) and Path(item.parent.path).parent.resolve() in folders:
            by_file[item.parent].append(item)
    if not by_file:
        return
    out: list[pytest.Item] = []
    for item in items:
        out.append(item)
        cells = by_file.get(getattr(item, "parent", None))
        if cells and item is cells[-1]:
            out += second_pass(item.parent, cells)
    items[:] = out


def second_pass(notebook: pytest.Collector, cells: list[pytest.Item]) -> list[pytest.Item]:
    """The notebook's code cells again (errors checked, outputs not), then the probe."""
    from nbval.plugin import IPyNbCell

    again = [
        IPyNbCell.from_parent(
            notebook,
            name=f"{cell.name} again",
            cell_num=cell.cell_num,
            cell=cell.cell,
            options=defaultdict(bool, cell.options, check=False),
        )
        for cell in cells
    ]
    probe = nbformat.v4.new_code_cell(PROBE_SOURCE)
    again.append(
        IPyNbCell.from_parent(
            notebook,
            name=PROBE_NAME,
            cell_num=cells[-1].cell_num + 1,
            cell=probe,
            options=defaultdict(bool, check=False),
        )
    )
    return again
