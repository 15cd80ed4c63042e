"""Notebook 08's testing helpers: run a service's suite and count it by layer; run one test.

:func:`run_suite` runs ``python -m pytest`` in a service folder, in a process of its own (a
service's top-level modules, ``apps`` and ``tests``, must not meet another copy's in one
interpreter), and reads pytest's JUnit XML report: one :class:`TestCase` per test, its layer
(the folder under ``tests/``: ``unit``, ``integration``, ``http``) and its outcome. Counts,
never durations, so a notebook prints the same lines on every run. :func:`draw_pyramid`
draws the counts; :func:`run_test` runs one test function the way pytest would judge it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import traceback
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshop_lib import tempdirs

#: The layers of the testing pyramid, bottom (many, fast) to top (few, slow).
LAYERS = ("unit", "integration", "http")
#: How each layer is named in tables and on the plot.
LAYER_TITLES = {"unit": "unit", "integration": "integration", "http": "HTTP (end to end)"}
#: What pytest can say about a test, best first.
OUTCOMES = ("passed", "skipped", "failed", "error")
SUITE_TIMEOUT_S = 600


@dataclass(frozen=True)
class TestCase:
    """One test of a suite: ``tests/unit/test_logic.py::test_x[a]``, its layer and outcome."""

    __test__ = False  # a result, not a test: pytest must not collect this class

    nodeid: str
    layer: str
    outcome: str  # one of OUTCOMES
    message: str = ""


@dataclass
class SuiteResult:
    """What :func:`run_suite` found: every test with its outcome, and pytest's exit status."""

    folder: str
    tests: list[TestCase]
    returncode: int
    output: str = field(repr=False, default="")  # pytest's own output: has durations

    def counts(self) -> dict[str, dict[str, int]]:
        """``{layer: {outcome: n}}`` for every layer with tests, pyramid order, all outcomes."""
        found: dict[str, Counter[str]] = {}
        for test in self.tests:
            found.setdefault(test.layer, Counter())[test.outcome] += 1
        return {
            layer: {outcome: found[layer][outcome] for outcome in OUTCOMES}
            for layer in layer_order(found)
        }

    def sizes(self) -> dict[str, int]:
        """``{layer: number of tests}``, bottom of the pyramid first: what the plot draws."""
        return {layer: sum(row.values()) for layer, row in self.counts().items()}

    def total(self, outcome: str | None = None) -> int:
        """How many tests (with this outcome, if given)."""
        return sum(1 for t in self.tests if outcome is None or t.outcome == outcome)

    def by_file(self) -> dict[str, dict[str, int]]:
        """``{test file: {outcome: n}}``, in the order pytest ran them."""
        found: dict[str, Counter[str]] = {}
        for test in self.tests:
            found.setdefault(test.nodeid.split("::", 1)[0], Counter())[test.outcome] += 1
        return {path: {o: row[o] for o in OUTCOMES if row[o]} for path, row in found.items()}

    def problems(self) -> list[TestCase]:
        """The tests that failed or could not run."""
        return [t for t in self.tests if t.outcome in ("failed", "error")]

    @property
    def ok(self) -> bool:
        """True when pytest ran, collected tests, and none failed."""
        return self.returncode == 0 and bool(self.tests) and not self.problems()

    def summary(self) -> str:
        """One line: ``156 tests: 156 passed`` (outcomes that occurred, in OUTCOMES order)."""
        if not self.tests:
            last = self.output.strip().splitlines()[-1:] or ["no output"]
            return f"pytest found no tests (exit status {self.returncode}): {last[0]}"
        parts = [f"{self.total(o)} {o}" for o in OUTCOMES if self.total(o)]
        return f"{len(self.tests)} tests: {', '.join(parts)}"

    def table(self) -> str:
        """A text table: one row per layer, one column per outcome, and the total."""
        counts = self.counts()
        width = max([len("layer"), *(len(LAYER_TITLES.get(layer, layer)) for layer in counts)])
        lines = [f"{'layer':<{width}}  " + "".join(f"{o:>8}" for o in OUTCOMES)]
        for layer, row in counts.items():
            cells = "".join(f"{row[o]:>8}" for o in OUTCOMES)
            lines.append(f"{LAYER_TITLES.get(layer, layer):<{width}}  {cells}")
        total = "".join(f"{self.total(o):>8}" for o in OUTCOMES)
        lines.append(f"{'all':<{width}}  {total}")
        return "\n".join(lines)


def layer_order(layers: Any) -> list[str]:
    """The known layers in pyramid order (bottom first), then any others by name."""
    present = set(layers)
    return [layer for layer in LAYERS if layer in present] + sorted(present - set(LAYERS))


def layer_of(path: str) -> str:
    """``tests/unit/test_logic.py`` → ``unit``: the folder under ``tests/`` (else ``other``)."""
    parts = Path(path).parts
    if "tests" in parts:
        rest = parts[parts.index("tests") + 1 :]
        if len(rest) > 1:
            return rest[0]
    return "other"


def run_suite(
    folder: str | Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout_s: float = SUITE_TIMEOUT_S,
) -> SuiteResult:
    """Run ``python -m pytest`` in ``folder`` (extra pytest ``args``, e.g. ``tests/unit``).

    A process of its own, with ``folder`` as pytest's root and no bytecode or cache files
    left behind; the result lists every test with its layer and outcome.
    """
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder}")
    with tempdirs.temporary("suite") as tmp:
        report = Path(tmp) / "report.xml"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            # a service's suite has no notebooks: the course's notebook plugin, loaded, would
            # import Jupyter's libraries into every run before the first test
            "-p",
            "no:nbval",
            # plain text whatever the environment says: ipykernel sets FORCE_COLOR=1, and a
            # line that ends in a colour code hides pytest's "[ 46%]" from the progress bar
            "--color=no",
            "--rootdir",
            str(folder),
            "--junitxml",
            str(report),
            "-o",
            "junit_family=xunit1",  # adds each test's file
            *args,
        ]
        environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
        returncode, output = _run_with_bar(command, folder, environment, timeout_s)
        tests = parse_report(report.read_text(encoding="utf-8")) if report.exists() else []
    return SuiteResult(str(folder), tests, returncode, output)


_PERCENT = re.compile(r"\[\s*(\d+)%\]\s*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # a terminal escape (colour, cursor)


def progress_of(line: str) -> float | None:
    """The percentage a pytest progress line ends with (``... [ 46%]`` → 46.0), else None;
    colour codes around it are ignored, in case a plugin or a conftest forces colour."""
    found = _PERCENT.search(_ANSI.sub("", line))
    return float(found.group(1)) if found else None


def _run_with_bar(
    command: list[str], folder: Path, environment: dict[str, str], timeout_s: float
) -> tuple[int, str]:
    """Run pytest, moving a progress bar along its ``[ 46%]`` line ends; (status, output).
    Raises ``subprocess.TimeoutExpired`` (the process killed) past ``timeout_s``."""
    from workshop_lib.bars import percent

    process = subprocess.Popen(
        command,
        cwd=folder,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    with percent(f"running the tests in {folder.name}/") as at:

        def read() -> None:
            for line in process.stdout:  # type: ignore[union-attr]
                lines.append(line)
                done = progress_of(line)
                if done is not None:
                    at(done)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        finally:
            reader.join(timeout=10)
    return process.returncode, "".join(lines)


def parse_report(xml: str) -> list[TestCase]:
    """The tests of a pytest JUnit XML report (``junit_family=xunit1``), one per node id."""
    found: dict[str, TestCase] = {}
    for case in ET.fromstring(xml).iter("testcase"):
        path = case.get("file") or _path_from_dotted(case.get("classname") or case.get("name"))
        classes = (case.get("classname") or "").split(".")[len(Path(path).with_suffix("").parts) :]
        name = case.get("name") or ""
        nodeid = "::".join([path, *classes, name]) if case.get("classname") else path
        outcome, message = "passed", ""
        for child, meaning in (("error", "error"), ("failure", "failed"), ("skipped", "skipped")):
            element = case.find(child)
            if element is not None:
                outcome, message = meaning, element.get("message") or ""
                break
        earlier = found.get(nodeid)
        if earlier is None or OUTCOMES.index(outcome) > OUTCOMES.index(earlier.outcome):
            found[nodeid] = TestCase(nodeid, layer_of(path), outcome, message)
    return list(found.values())


def _path_from_dotted(dotted: str | None) -> str:
    """``tests.unit.test_x`` → ``tests/unit/test_x.py`` (collection errors have no file)."""
    return (dotted or "unknown").replace(".", "/") + ".py"


# -- one test, judged as pytest would ------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """How one call of a test function went: ``passed``, ``failed`` (an assert, or pytest's
    ``raises`` / ``fail``), ``skipped`` (``pytest.skip``) or ``error`` (any other exception)."""

    status: str
    error: BaseException | None = None
    line: str = ""  # the test's own line that failed, if it is in the test function

    @property
    def detail(self) -> str:
        """The exception on one line, at most 160 characters: ``ClientError: An error ...``."""
        if self.error is None:
            return ""
        text = " ".join(f"{type(self.error).__name__}: {self.error}".split()).rstrip(":")
        return text if len(text) <= 160 else text[:157] + "..."

    def __str__(self) -> str:
        if self.status == "passed":
            return "passed"
        where = f" at `{self.line}`" if self.line else ""
        return f"{self.status.upper()}{where}: {self.detail}"


def run_test(test: Callable[..., Any], *args: Any, **kwargs: Any) -> Outcome:
    """Call ``test(*args, **kwargs)`` and judge it as pytest would (see :class:`Outcome`).

    ``NotImplementedError`` is raised, not reported: a test that is still a stub has no outcome.
    """
    try:
        test(*args, **kwargs)
    except (NotImplementedError, KeyboardInterrupt, SystemExit):
        raise
    except AssertionError as exc:
        return Outcome("failed", exc, _line_in(test, exc))
    except BaseException as exc:  # pytest.raises / pytest.fail / pytest.skip are BaseExceptions
        outcomes = sys.modules.get("_pytest.outcomes")  # loaded if the test used pytest
        if outcomes is not None and isinstance(exc, outcomes.OutcomeException):
            status = "skipped" if isinstance(exc, outcomes.Skipped) else "failed"
            return Outcome(status, exc, _line_in(test, exc))
        if not isinstance(exc, Exception):
            raise
        return Outcome("error", exc, _line_in(test, exc))
    return Outcome("passed")


def _line_in(test: Callable[..., Any], exc: BaseException) -> str:
    """The line of ``test`` itself where ``exc`` passed through (its last such frame)."""
    code = getattr(test, "__code__", None)
    if code is None:
        return ""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == code.co_filename]
    frames = [f for f in frames if f.name == code.co_name] or frames
    return (frames[-1].line or "").strip() if frames else ""


# -- the pyramid ---------------------------------------------------------------------------------
def draw_pyramid(sizes: dict[str, int], title: str = "") -> Any:
    """The testing pyramid: one centred bar per layer, as wide as its number of tests."""
    import matplotlib.pyplot as plt

    layers = layer_order(sizes)
    widest = max([sizes[layer] for layer in layers] + [1])
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.8 * len(layers)))
    for row, layer in enumerate(layers):
        n = sizes[layer]
        ax.barh(row, n, left=-n / 2, height=0.9, color=f"C{row}", label=layer)
        label = f"{LAYER_TITLES.get(layer, layer)}: {n}"
        if n >= widest / 3:  # inside a wide bar, beside a narrow one
            ax.text(0, row, label, ha="center", va="center", color="white", weight="bold")
        else:
            ax.text(n / 2 + widest / 50, row, label, ha="left", va="center")
    ax.set_xlim(-widest / 2 * 1.05, widest / 2 * 1.05)
    ax.set_ylim(-0.6, len(layers) - 0.4)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


__all__ = [
    "LAYERS",
    "Outcome",
    "SuiteResult",
    "TestCase",
    "draw_pyramid",
    "layer_of",
    "parse_report",
    "run_suite",
    "run_test",
]
