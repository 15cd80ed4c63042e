"""The committed notebooks: structure, slides, exercises with hints, and what nbval can catch."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from workshop_lib import authoring, exercises

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHECK_CALL = re.compile(r"""check\(\s*["']([\d.]+)["']""")


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
def test_every_exercise_has_two_hints_a_check_and_a_registered_checker(path):
    nb = read(path)
    notebook = path.name[:2]
    checked = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or authoring.BEGIN not in cell.source:
            continue
        ids = CHECK_CALL.findall(cell.source)
        assert ids, f"exercise cell {cell.id} calls no check()"
        checked += ids
        hints = nb.cells[index - 1]
        assert hints.cell_type == "markdown", f"no hints before {cell.id}"
        assert len(re.findall(r"<details><summary>Hint [12]</summary>", hints.source)) == 2
        assert all(f"[{i}] passed" in "".join(o.get("text", "") for o in cell.outputs) for i in ids)
    registered = [ex.id for ex in exercises.exercises_of(notebook)]
    assert sorted(checked) == sorted(registered)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_learner_copies_are_unsolved_with_the_solution_one_click_away(path):
    nb = read(path)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            printed = "".join(o.get("text", "") for o in cell.outputs)
            assert "not attempted yet" in printed and "passed" not in printed
            reveal = nb.cells[index + 1]
            assert reveal.id == f"{cell.id}-solution" and "<details>" in reveal.source


def run_nbval(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(ROOT / "tests" / "nbval_sanitize.cfg"),
            str(path),
        ],
        capture_output=True,
        text=True,
        cwd=path.parent,
    )


def exercise_notebook() -> Path:
    for path in SOLUTIONS:
        if any(authoring.BEGIN in c.source for c in read(path).cells if c.cell_type == "code"):
            return path
    pytest.skip("no notebook with an exercise yet")


def test_strict_nbval_catches_a_solved_exercise_in_a_learner_notebook(tmp_path):
    name = exercise_notebook().name
    solution, learner = read(ROOT / "solutions" / name), read(ROOT / "notebooks" / name)
    solved = {c.id: c.source for c in solution.cells}
    for cell in learner.cells:
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            cell.source = solved[cell.id]  # the learner solved it; outputs still say otherwise
            break
    target = tmp_path / name
    nbformat.write(learner, target)
    result = run_nbval(target)
    assert result.returncode != 0 and "passed" in result.stdout, result.stdout[-2000:]


def test_strict_nbval_catches_a_wrong_answer_in_a_solution(tmp_path):
    name = exercise_notebook().name
    nb = read(ROOT / "solutions" / name)
    for cell in nb.cells:
        if cell.cell_type == "code" and authoring.BEGIN in cell.source:
            stub, _ = authoring.split_solution(cell.source)
            wrong = stub.replace("= ...  # your answer here", "= -1").replace(
                'raise NotImplementedError("# your answer here")', "return -1"
            )
            cell.source = wrong
            break
    target = tmp_path / name
    nbformat.write(nb, target)
    result = run_nbval(target)
    assert result.returncode != 0 and "FAILED:" in result.stdout, result.stdout[-2000:]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_notebook_runs_twice_in_the_same_kernel(path, tmp_path):
    """Run All, then Run All again: re-running cells must not fail or leak (e.g. sandboxes).

    The learner's copies, which learners re-run; a solution notebook has the same cells but
    for the solution blocks, and nbval runs each folder once anyway (this is make test's
    most expensive test: twice every notebook)."""
    from nbclient import NotebookClient

    nb = authoring.strip(read(path))
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    with client.setup_kernel():
        for _ in range(2):
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        # re-running leaves at most the notebook's own sandbox running, never a pile of them
        probe = nbformat.v4.new_code_cell(
            "from moto.core.models import MockAWS\nprint(MockAWS._nested_count <= 1)"
        )
        nb.cells.append(probe)
        client.execute_cell(probe, len(nb.cells) - 1)
        printed = "".join(o.get("text", "") for o in probe.outputs if o.get("name") == "stdout")
        assert printed.strip() == "True", probe.outputs  # a print may arrive in chunks
