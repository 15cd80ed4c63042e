"""The committed notebooks: structure, slides, exercises with hints, and what nbval can catch."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests import nbval_twice
from workshop_lib import authoring

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHECK_CALL = authoring.CHECK_CALL
SUMMARY_LINE = re.compile(r"^(?P<outcome>PASSED|FAILED) (?P<id>.+?)(?: - .*)?$", re.M)


def read(path: Path):
    return nbformat.read(path, as_version=4)


def test_every_course_notebook_has_a_solution_and_a_learner_copy():
    assert [p.name for p in SOLUTIONS] == [p.name for p in NOTEBOOKS]
    assert SOLUTIONS, "no notebooks yet"
    assert SOLUTIONS[0].name == "00_welcome.ipynb"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_structure(path):
    nb = read(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Learning goals" in text and "## Summary" in text
    for cell in nb.cells:
        assert cell.metadata.get("slideshow", {}).get("slide_type"), f"{cell.id} has no slide"
        if cell.cell_type == "code":
            assert not [o for o in cell.outputs if o.output_type == "error"], cell.id
            for out in cell.outputs:
                text_out = out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
                assert "/work/" not in text_out and "/root/" not in text_out, cell.id


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_exercise_has_two_hints_a_check_a_checker_and_passes(path):
    """The authoring contract (what ``make notebooks`` enforces), each problem named."""
    problems = authoring.contract_problems(read(path), path.name)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_learner_copies_are_unsolved_with_the_solution_one_click_away(path):
    nb = read(path)
    problems = authoring.learner_contract_problems(nb, path.name)
    assert problems == [], "\n".join(problems)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            printed = "".join(o.get("text", "") for o in cell.outputs)
            assert "not attempted yet" in printed and "passed" not in printed
            reveal = nb.cells[index + 1]
            assert reveal.id == f"{cell.id}-solution" and "<details>" in reveal.source


def run_nbval(folder: Path) -> dict[str, str]:
    """Run strict nbval on every notebook in ``folder`` in one pytest; each notebook's
    failure reports (empty if every cell passed), by file name."""
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--color=no"),
            *("--nbval", "--nbval-current-env", "--rootdir", str(folder)),
            *("--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg")),
            *sorted(p.name for p in folder.glob("*.ipynb")),
        ],
        capture_output=True,
        text=True,
        cwd=folder,
    )
    failures: dict[str, str] = {p.name: "" for p in folder.glob("*.ipynb")}
    # pytest heads each failure's report with "____ name.ipynb::Cell 3 ____"
    for head, body in re.findall(
        r"^_{3,} (\S+?)::.*? _{3,}$(.*?)(?=^_{3,} |^={3,})", result.stdout, re.M | re.S
    ):
        failures[head] = failures.get(head, "") + body
    return failures


def exercise_notebook() -> Path:
    for path in SOLUTIONS:
        if any(authoring.BEGIN in c.source for c in read(path).cells if c.cell_type == "code"):
            return path
    pytest.skip("no notebook with an exercise yet")


def up_to_first_exercise(nb):
    """The notebook's cells up to its first exercise cell: what nbval must judge here (the
    cells after it only cost time)."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            nb.cells = nb.cells[: index + 1]
            return nb
    return nb


@pytest.mark.slow
def test_strict_nbval_catches_a_solved_exercise_and_a_wrong_answer(tmp_path):
    """In one nbval run (one pytest start): a learner copy whose exercise was solved (its
    outputs still say "not attempted yet") and a solution given a wrong answer both fail."""
    name = exercise_notebook().name
    solution, learner = read(ROOT / "solutions" / name), read(ROOT / "notebooks" / name)
    solved = {c.id: c.source for c in solution.cells}
    for cell in learner.cells:
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            cell.source = solved[cell.id]  # the learner solved it; outputs still say otherwise
            break
    for cell in solution.cells:
        if cell.cell_type == "code" and authoring.BEGIN in cell.source:
            stub, _ = authoring.split_solution(cell.source)
            wrong = stub.replace("= ...  # your answer here", "= -1").replace(
                'raise NotImplementedError("# your answer here")', "return -1"
            )
            cell.source = wrong
            break
    nbformat.write(up_to_first_exercise(learner), tmp_path / "solved_learner_copy.ipynb")
    nbformat.write(up_to_first_exercise(solution), tmp_path / "wrong_solution.ipynb")
    failures = run_nbval(tmp_path)
    assert "passed" in failures["solved_learner_copy.ipynb"], failures
    assert "FAILED:" in failures["wrong_solution.ipynb"], failures


def test_nbval_re_runs_the_learners_notebooks_in_one_kernel(request):
    """Learners re-run cells: tests/nbval_twice.py appends the re-runs to each of theirs."""
    assert request.config.pluginmanager.has_plugin("tests.nbval_twice")
    assert request.config.getini(nbval_twice.INI) == [ROOT / "notebooks"]


@pytest.mark.slow
def test_the_re_runs_fail_what_only_a_re_run_breaks(tmp_path):
    """A cell that fails when re-run without saying what to run, and a mock left running by
    every run of a cell, fail; an error that names what to run passes, and so does a NameError
    after a restart (the kernel adds "run the cells above first"); cells re-run last to first."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    cells = {
        "reruns": ["total = 0", "total += 1"],
        "last_first": ["x = 'first'", "assert x == 'first'", "x = 'last'"],
        "fails_again": ["open('made-once', 'x').close()"],
        "says_what_to_run": [
            "import os\n"
            "if os.path.exists('made'):\n"
            "    raise RuntimeError('made already: re-run the cell that removes it first')\n"
            "open('made', 'x').close()"
        ],
        "leaks": ["from moto import mock_aws\nmock = mock_aws()\nmock.start()"],
    }
    for name, sources in cells.items():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(s, execution_count=1) for s in sources]
        nbformat.write(nb, folder / f"{name}.ipynb")
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tests.nbval_twice"),
            *("-o", f"{nbval_twice.INI}={folder}", "--rootdir", str(tmp_path)),
            *("--nbval", "--nbval-current-env", "-rA", "-q", "--color=no", str(folder)),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        },
    )
    outcomes = {m["id"]: m["outcome"] for m in SUMMARY_LINE.finditer(result.stdout)}
    probe = nbval_twice.PROBE_NAME
    assert outcomes == {
        "notebooks/reruns.ipynb::Cell 0": "PASSED",
        "notebooks/reruns.ipynb::Cell 1": "PASSED",
        "notebooks/reruns.ipynb::Cell 1 again": "PASSED",
        "notebooks/reruns.ipynb::Cell 0 again": "PASSED",
        f"notebooks/reruns.ipynb::{probe}": "PASSED",
        "notebooks/reruns.ipynb::Cell 1 after a restart": "PASSED",  # a NameError, hinted
        "notebooks/last_first.ipynb::Cell 0": "PASSED",
        "notebooks/last_first.ipynb::Cell 1": "PASSED",
        "notebooks/last_first.ipynb::Cell 2": "PASSED",
        "notebooks/last_first.ipynb::Cell 2 again": "PASSED",
        "notebooks/last_first.ipynb::Cell 1 again": "FAILED",  # after cell 2: x is 'last'
        "notebooks/last_first.ipynb::Cell 0 again": "PASSED",
        f"notebooks/last_first.ipynb::{probe}": "PASSED",
        "notebooks/last_first.ipynb::Cell 1 after a restart": "PASSED",  # NameError, hinted
        "notebooks/fails_again.ipynb::Cell 0": "PASSED",
        "notebooks/fails_again.ipynb::Cell 0 again": "FAILED",
        f"notebooks/fails_again.ipynb::{probe}": "PASSED",
        "notebooks/fails_again.ipynb::Cell 0 after a restart": "FAILED",
        "notebooks/says_what_to_run.ipynb::Cell 0": "PASSED",
        "notebooks/says_what_to_run.ipynb::Cell 0 again": "PASSED",
        f"notebooks/says_what_to_run.ipynb::{probe}": "PASSED",
        "notebooks/says_what_to_run.ipynb::Cell 0 after a restart": "PASSED",
        "notebooks/leaks.ipynb::Cell 0": "PASSED",
        "notebooks/leaks.ipynb::Cell 0 again": "PASSED",
        f"notebooks/leaks.ipynb::{probe}": "FAILED",
        "notebooks/leaks.ipynb::Cell 0 after a restart": "PASSED",
    }, result.stdout[-3000:]
    assert "FileExistsError" in result.stdout and "2 moto mocks are running" in result.stdout
    assert "without saying what to run" in result.stdout


def test_each_notebook_kernel_starts_with_a_home_of_its_own(monkeypatch):
    """nbval's kernels inherit WORKSHOP_HOME when the first cell of a notebook sets up: each
    notebook gets an empty one inside the run's own, never the learner's ~/.workshop."""
    root_conftest = sys.modules["conftest"]  # the repository's, which pytest loaded first
    assert Path(root_conftest.__file__).resolve() == ROOT / "conftest.py"
    monkeypatch.setattr(root_conftest, "_homes_given", set())

    class Cell:
        def __init__(self, nodeid):
            self.nodeid = nodeid

    homes = []
    for nodeid in (
        "notebooks/a.ipynb::Cell 0",
        "notebooks/a.ipynb::Cell 1",
        "solutions/a.ipynb::Cell 0",
    ):
        root_conftest.pytest_runtest_setup(Cell(nodeid))
        homes.append(os.environ["WORKSHOP_HOME"])
    assert homes[0] == homes[1] != homes[2]  # a new one per notebook, kept for its cells
    for home in homes:
        assert Path(home).parent == Path(root_conftest._HOME) and not any(Path(home).iterdir())
    assert not Path(root_conftest._HOME).is_relative_to(Path.home() / ".workshop")
