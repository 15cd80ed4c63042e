"""Progress bars: shown to a learner, never in an execution whose outputs are compared."""

from __future__ import annotations

import os

import pytest

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


def test_a_percent_bar_follows_what_it_is_told_and_clears(monkeypatch, capsys):
    monkeypatch.delenv(bars.NO_BARS)
    with bars.percent("tests") as at:
        for done in (10, 46, 100, 120):  # past 100 is held at 100
            at(done)
    err = capsys.readouterr().err
    assert err.startswith("\rtests:   0%|") and err.split("\r")[-2].strip() == ""
    monkeypatch.setenv(bars.NO_BARS, "1")
    with bars.percent("quiet") as at:
        at(50)
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_run_suite_moves_a_bar_along_pytests_percentages(monkeypatch, tmp_path):
    from workshop_lib import testing

    (tmp_path / "tests" / "unit").mkdir(parents=True)
    (tmp_path / "tests" / "unit" / "test_few.py").write_text(
        "import pytest\n\n@pytest.mark.parametrize('n', range(150))\ndef test_n(n):\n    pass\n"
    )
    seen: list[float] = []

    class Recorder:
        def __init__(self, desc):
            self.desc = desc

        def __enter__(self):
            return seen.append

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(bars, "percent", Recorder)
    result = testing.run_suite(tmp_path)
    assert result.ok and result.total("passed") == 150
    assert seen == [48.0, 96.0, 100.0]  # pytest -q ends each line of 72 tests with [ NN%]


@pytest.mark.slow
def test_run_suite_reaches_100_percent_in_a_kernel_that_forces_colour(monkeypatch, tmp_path):
    # ipykernel sets FORCE_COLOR=1: pytest then ends its lines in colour codes, and the
    # percentage must still be read, or the bar closes short of 100 % (drawn red)
    from workshop_lib import testing

    (tmp_path / "tests" / "unit").mkdir(parents=True)
    (tmp_path / "tests" / "unit" / "test_few.py").write_text("def test_a():\n    pass\n")
    seen: list[float] = []

    class Recorder:
        def __init__(self, desc):
            self.desc = desc

        def __enter__(self):
            return seen.append

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(bars, "percent", Recorder)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("PY_COLORS", "1")
    result = testing.run_suite(tmp_path)
    assert result.ok and seen == [100.0]
    assert "\x1b" not in result.output  # the summary line a notebook may show is plain text


def test_a_progress_line_is_read_through_colour_codes():
    from workshop_lib.testing import progress_of

    assert progress_of("tests/unit/test_x.py ....   [ 46%]\n") == 46.0
    assert progress_of("\x1b[32m.\x1b[0m\x1b[32m.\x1b[0m\x1b[32m  [100%]\x1b[0m\n") == 100.0
    assert progress_of("139 passed in 2.31s\n") is None


def test_run_suite_stops_a_suite_past_its_timeout(tmp_path):
    import subprocess

    import pytest

    from workshop_lib import testing

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_slow.py").write_text(
        "import time\n\ndef test_slow():\n    time.sleep(30)\n"
    )
    with pytest.raises(subprocess.TimeoutExpired):
        testing.run_suite(tmp_path, timeout_s=2)


def test_doctor_shows_a_bar_over_its_slow_checks(monkeypatch, capsys):
    from workshop_lib import doctor

    monkeypatch.delenv(bars.NO_BARS)
    monkeypatch.setattr(
        doctor, "check_widget_extension", lambda: CheckResult("widget extension", True, "ok")
    )
    monkeypatch.setattr(setup_check, "CHECKS", [lambda: CheckResult("one", True, "fine")])
    rows = doctor.run(ports={}, kernel=False)
    assert "widget extension" in [r.name for r in rows]
    assert "\rchecking this laptop:" in capsys.readouterr().err
