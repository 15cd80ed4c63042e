"""Exact pins everywhere, and the same pins for pip (pyproject) and conda (environment.yml)."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: read the installed metadata instead
    tomllib = None

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s;]+)$")


def pyproject_requirements(path: Path = ROOT / "pyproject.toml") -> list[str]:
    if tomllib is None:
        return [r.split(";")[0].strip() for r in metadata.requires("workshop_lib")]
    project = tomllib.loads(path.read_text())["project"]
    return project["dependencies"] + [
        req for extra in project["optional-dependencies"].values() for req in extra
    ]


def conda_pip_requirements(path: Path = ROOT / "environment.yml") -> list[str]:
    """The `pip:` list of environment.yml, without the editable install of the course."""
    reqs, in_pip = [], False
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped == "- pip:":
            in_pip = True
        elif in_pip and stripped.startswith("- "):
            req = stripped[2:].strip()
            if not req.startswith("-e"):
                reqs.append(req)
        elif in_pip and stripped and not stripped.startswith("#"):
            in_pip = False
    return reqs


def normalise(reqs: list[str]) -> dict[str, tuple[str, str]]:
    out = {}
    for req in reqs:
        match = PIN.match(req.split(";")[0].replace(" ", ""))  # without its environment marker
        assert match, f"{req!r} is not an exact (==) pin"
        name = match.group(1).lower().replace("_", "-")
        extras = ",".join(sorted((match.group(2) or "[]")[1:-1].split(",")))
        out[name] = (extras, match.group(3))
    return out


def pin_drift(pip: list[str], conda: list[str]) -> list[str]:
    a, b = normalise(pip), normalise(conda)
    problems = [f"{n} only in pyproject.toml" for n in sorted(a.keys() - b.keys())]
    problems += [f"{n} only in environment.yml" for n in sorted(b.keys() - a.keys())]
    problems += [
        f"{n}: pyproject {a[n]} vs environment.yml {b[n]}"
        for n in sorted(a.keys() & b.keys())
        if a[n] != b[n]
    ]
    return problems


def test_every_direct_dependency_is_pinned_exactly():
    reqs = normalise(pyproject_requirements())
    assert {"boto3", "moto", "jupyterlab", "ipywidgets", "nbval", "pytest"} <= reqs.keys()
    assert "all" not in reqs["moto"][0].split(",")


def test_conda_and_pip_pins_agree():
    assert pin_drift(pyproject_requirements(), conda_pip_requirements()) == []


def test_environment_yml_installs_the_course_package():
    assert "- -e ." in (ROOT / "environment.yml").read_text()


def test_drift_is_detected(tmp_path):
    env = tmp_path / "environment.yml"
    text = (ROOT / "environment.yml").read_text()
    env.write_text(text.replace("boto3==1.44.5", "boto3==1.44.4").replace("      - ruff==", "#"))
    problems = pin_drift(pyproject_requirements(), conda_pip_requirements(env))
    assert "boto3: pyproject ('', '1.44.5') vs environment.yml ('', '1.44.4')" in problems
    assert "ruff only in pyproject.toml" in problems
