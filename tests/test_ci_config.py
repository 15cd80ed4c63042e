"""Stand-in checks for what cannot run here: GitHub's runners and Binder."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_github_workflow_runs_the_readme_test_command():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "test.yml").read_text())
    steps = workflow["jobs"]["test"]["steps"]
    assert any("make test" in step.get("run", "") for step in steps)
    assert "make test" in (ROOT / "README.md").read_text()
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_binder_files_install_the_course():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip and any(str(d).startswith("python=") for d in env["dependencies"])
    assert (ROOT / "postBuild").stat().st_mode & 0o111  # executable, as Binder runs it


def test_make_compiles_the_course_modules_ahead_for_tests_the_bench_and_the_lab():
    """Where PYTHONDONTWRITEBYTECODE is set (this machine, some CI images), every process
    compiled workshop_lib from source again: ~0.3 s of each sandbox, kernel and command."""
    import subprocess

    for target in ("install", "test", "bench", "lab"):
        dry = subprocess.run(
            ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        assert "-m compileall -q workshop_lib" in dry, target
    dry = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True).stdout
    assert dry.index("compileall") < dry.index("pytest")
