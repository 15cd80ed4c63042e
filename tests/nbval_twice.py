"""Re-running cells: after nbval's Run All, each learner notebook re-runs its cells one by one.

Learners re-run cells: one cell again after Run All, a cell above the one they were on, or a
cell in the middle after a kernel restart. A cell that fails then with a raw AWS error (a table
that already exists) or a bare ``NameError`` leaves them stuck; nbval's single pass cannot see
it. For every notebook in a folder listed in the ``nbval_run_twice`` ini option, this plugin
appends, after the notebook's last cell:

- each of its code cells again, **last to first** (``Cell 3 again``), each on its own in the
  kernel Run All left: outputs are not compared, since a re-run may rightly print something
  else, and an error passes only if it says what to run (:data:`NEXT_STEP`);
- a probe cell: at most one moto mock (the notebook's own sandbox) is still running, though
  the first cell (which starts the sandbox) ran twice;
- the kernel restarted and its middle code cell run (``Cell 30 after a restart``): it works,
  or its error says what to run. The old kernel is killed, not asked to exit: its clean
  shutdown waited ~4 s per notebook for nothing this test needs (and a killed kernel is what
  the next sandbox start's clean-up of temporary folders is for).

They run in nbval's kernel, before nbval stops it, so the re-runs cost only themselves.
nbval 0.11's ``IPyNbCell(name, parent, cell_num, cell, options)`` is the seam (with its
``compare_outputs``, which sees the re-run's outputs, and ``parent.kernel.km``, the kernel's
``jupyter_client`` manager); it is pinned, and ``tests/test_notebooks.py`` runs this plugin
on notebooks made to fail each way.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import nbformat
import pytest

INI = "nbval_run_twice"
PROBE_NAME = "at most one sandbox after every cell ran twice"
PROBE_SOURCE = (
    "from moto.core.models import MockAWS\n"
    "assert MockAWS._nested_count <= 1, (\n"
    '    f"{MockAWS._nested_count} moto mocks are running after every cell ran twice: "\n'
    '    "a cell starts one without stopping the last"\n'
    ")"
)
#: An error a learner can act on names what to run: "re-run the cell above", "run the cells
#: above first (Run > Run All Above)", "call aws.start()".
NEXT_STEP = re.compile(r"\b(re-?run|run the|Run All|Run >|aws\.start\(\))", re.IGNORECASE)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI, "folders whose notebooks nbval re-runs cell by cell", type="paths")


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


def _rerun_class() -> type:
    from nbval.plugin import IPyNbCell

    class RerunCell(IPyNbCell):
        """A cell run again: no output compared; an error must say what to run."""

        def compare_outputs(
            self, test: list[Any], ref: list[Any], skip_compare: Any = None
        ) -> bool:
            for out in test:
                if out.get("output_type") != "error":
                    continue
                said = f"{out['ename']}: {out['evalue']}"
                if not NEXT_STEP.search(said):
                    self.raise_cell_error(
                        "Re-run on its own, this cell fails without saying what to run",
                        "\n" + "\n".join(out.get("traceback", [])),
                    )
            return True

    class AfterRestartCell(RerunCell):
        """The kernel restarted, then this cell run."""

        def runtest(self) -> None:
            kernel = self.parent.kernel
            kernel.km.restart_kernel(now=True)
            kernel.kc.wait_for_ready(timeout=60)
            super().runtest()

    return RerunCell, AfterRestartCell


def _again(cell: pytest.Item, name: str) -> dict[str, Any]:
    """nbval's arguments for running ``cell`` again: a copy marked as run, outputs unchecked
    but errors seen (``check_exception``: the error is an output, our compare_outputs reads)."""
    source = nbformat.v4.new_code_cell(cell.cell.source, execution_count=1)
    options = defaultdict(bool, cell.options, check=True, check_exception=True)
    return {"name": name, "cell_num": cell.cell_num, "cell": source, "options": options}


def second_pass(notebook: pytest.Collector, cells: list[pytest.Item]) -> list[pytest.Item]:
    """The notebook's code cells again, last to first; the probe; a restart and the middle cell."""
    from nbval.plugin import IPyNbCell

    rerun, after_restart = _rerun_class()
    again = [
        rerun.from_parent(notebook, **_again(cell, f"{cell.name} again"))
        for cell in reversed(cells)
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
    middle = cells[len(cells) // 2]
    again.append(
        after_restart.from_parent(notebook, **_again(middle, f"{middle.name} after a restart"))
    )
    return again
