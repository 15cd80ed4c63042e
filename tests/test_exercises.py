"""check() prints exactly one stable line and never raises; progress() tables."""

from __future__ import annotations

import json

import pytest

from workshop_lib import exercises
from workshop_lib.exercises import Fail, check, evaluate, exercise, progress


@pytest.fixture(autouse=True)
def demo_exercises(monkeypatch):
    monkeypatch.setattr(exercises, "REGISTRY", {})
    monkeypatch.setattr(exercises, "_UNSAVED", {})
    monkeypatch.setattr(exercises, "_last_notebook", None)

    @exercise("98.1", "double a number", hint="multiply by two")
    def _double(answer):
        got = answer(21)
        if got != 42:
            raise Fail(f"double(21) returned {got!r}, expected 42", "multiply the argument by 2")

    @exercise("98.2", "name the region", hint="look at aws.region")
    def _region(answer):
        if answer != "us-east-1":
            raise Fail(f"{answer!r} is not the sandbox's region", "print(aws.region)")


def test_passed(capsys):
    assert check("98.1", lambda x: 2 * x) == "passed"
    assert capsys.readouterr().out == "[98.1] passed\n"


@pytest.mark.parametrize("stub", [..., None])
def test_stub_values_are_not_attempted(stub, capsys):
    check("98.2", stub)
    assert capsys.readouterr().out == "[98.2] not attempted yet\n"


def test_a_function_that_still_raises_not_implemented_is_not_attempted(capsys):
    def double(x):
        raise NotImplementedError("# your answer here")

    check("98.1", double)
    assert capsys.readouterr().out == "[98.1] not attempted yet\n"


def test_wrong_answer_says_what_and_hints(capsys):
    assert check("98.2", "eu-west-1") == "FAILED"
    out = capsys.readouterr().out
    assert (
        out == "[98.2] FAILED: 'eu-west-1' is not the sandbox's region — hint: print(aws.region)\n"
    )


def test_learner_code_that_raises_is_reported_not_raised(capsys):
    check("98.1", lambda x: x / 0)
    out = capsys.readouterr().out
    assert out.startswith("[98.1] FAILED: your code raised ZeroDivisionError: division by zero")
    assert out.endswith("— hint: multiply by two\n") and out.count("\n") == 1


def test_unknown_exercise_lists_known_ones(capsys):
    check("98.9", 1)
    assert "there is no exercise 98.9" in capsys.readouterr().out


def test_progress_table_is_stable(capsys):
    check("98.2", "us-east-1")
    capsys.readouterr()
    rows = progress("98")
    assert capsys.readouterr().out == (
        "Notebook 98: 1 of 2 exercises passed\n"
        "  98.1   not attempted yet  double a number\n"
        "  98.2   passed             name the region\n"
    )
    assert rows[1] == ("98.2", "passed", "name the region")


def test_progress_defaults_to_the_last_checked_notebook(capsys):
    check("98.1", lambda x: 2 * x)
    progress()
    assert "Notebook 98: 1 of 2" in capsys.readouterr().out


def test_statuses_persist_and_a_pass_is_not_undone(tmp_path):
    check("98.2", "us-east-1")
    check("98.2", ...)  # re-running an unsolved copy later
    saved = json.loads(exercises.progress_file().read_text())
    assert saved == {"98.2": "passed"}
    assert exercises.saved_progress() == saved


def test_progress_after_a_kernel_restart_keeps_the_passes(monkeypatch, capsys):
    check("98.2", "us-east-1")
    monkeypatch.setattr(exercises, "_last_notebook", None)  # what a restarted kernel knows
    progress()
    assert "name the notebook" in capsys.readouterr().out
    rows = progress("98")
    assert rows[1] == ("98.2", "passed", "name the region")


def test_progress_reads_the_saved_statuses_workshop_progress_lists():
    check("98.2", "us-east-1")
    check("98.1", lambda x: x)  # a wrong answer
    rows = progress("98")
    assert [(ex_id, status) for ex_id, status, _ in rows] == [
        ("98.1", "FAILED"),
        ("98.2", "passed"),
    ]
    assert exercises.statuses() == exercises.saved_progress() == dict(r[:2] for r in rows)


def test_a_home_that_cannot_be_written_keeps_statuses_for_the_kernel(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("WORKSHOP_HOME", str(blocker / "home"))  # under a file: never writable
    check("98.2", "us-east-1")
    check("98.2", ...)  # an unsolved copy re-run later does not undo the pass
    assert exercises.saved_progress() == {}
    assert exercises.statuses() == {"98.2": "passed"}


def test_evaluate_is_the_plain_function_under_check(capsys):
    assert evaluate("98.2", "nope")[0] == "FAILED"
    assert capsys.readouterr().out == ""
