"""Assertions shared by the exercise-checker tests: passed, not attempted, failed with hints."""

from __future__ import annotations

from typing import Any

from workshop_lib.exercises import FAILED, NOT_ATTEMPTED, PASSED, evaluate


def passes(exercise_id: str, answer: Any) -> None:
    status, line = evaluate(exercise_id, answer)
    assert (status, line) == (PASSED, f"[{exercise_id}] passed"), line


def not_attempted(exercise_id: str, answer: Any) -> None:
    assert evaluate(exercise_id, answer) == (NOT_ATTEMPTED, f"[{exercise_id}] not attempted yet")


def failed_with(exercise_id: str, answer: Any, *phrases: str) -> str:
    """The FAILED line, after checking it has the shape and contains every phrase."""
    status, line = evaluate(exercise_id, answer)
    assert status == FAILED, line
    assert line.startswith(f"[{exercise_id}] FAILED: ") and " — hint: " in line, line
    for phrase in phrases:
        assert phrase in line, line
    return line
