"""Progress bars: shown to a learner, never in an execution whose outputs are compared."""

from __future__ import annotations

import os

from workshop_lib import bars, setup_check
from workshop_lib.setup_check import CheckResult


def test_the_test_run_has_no_bars_so_saved_outputs_compare():
    assert os.environ[bars.NO_BARS] == "1"  # set by the root conftest.py, kernels inherit it
    assert bars.bars_enabled() is False


def test_disabled_bars_yield_everything_and_print_nothing(capsys):
    assert list(bars.bar(range(5), desc="quiet")) == [0, 1, 2, 3, 4]
    assert capsys.readouterr() == ("", "")


def test_enabled_bars_draw_on_stderr_and_clear_when_done(monkeypatch, capsys):
    monkeypatch.delenv(bars.NO_BARS)
    assert list(bars.bar(iter("abc"), desc="letters", total=3, unit="letter")) == list("abc")
    err = capsys.readouterr().err
    assert err.startswith("\rletters:   0%|") and "0/3" in err and "letter/s" in err
    assert err.endswith("\r") and err.split("\r")[-2].strip() == ""  # leave=False: cleared


def test_setup_check_shows_a_bar_over_its_checks(monkeypatch, capsys):
    monkeypatch.delenv(bars.NO_BARS)
    checks = [
        lambda: CheckResult("one", True, "fine", ""),
        lambda: CheckResult("two", True, "", ""),
    ]
    monkeypatch.setattr(setup_check, "CHECKS", checks)
    assert setup_check.setup_check() is True
    captured = capsys.readouterr()
    assert captured.err.startswith("\rchecking your setup:") and "0/2" in captured.err
    assert "Ready for the course." in captured.out
