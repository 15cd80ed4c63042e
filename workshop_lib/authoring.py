"""Builds the learner's ``notebooks/`` from ``solutions/`` and verifies they agree.

``solutions/`` is the single source. In a learner copy every block between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes a stub that does not raise at cell
level (``name = ...`` for answers, ``raise NotImplementedError`` inside a function body), and
a collapsed "Show the solution" cell follows the exercise. Both folders are committed
executed, so ``build`` executes what it writes; ``verify`` fails on any drift.

The demo service is a folder, not a notebook: ``solutions/service/`` is copied to
``notebooks/service/`` file by file, with the same stubs in its ``.py`` files, so the
learner's copy deploys and its tests run (a stubbed route's tests skip with what to do).

    python -m workshop_lib.authoring build [NAME ...] [--no-execute]
    python -m workshop_lib.authoring execute PATH ...
    python -m workshop_lib.authoring verify
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import re
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workshop_lib.quickjsonschema import import_jsonschema

import_jsonschema()  # before nbformat, which imports it
import nbformat  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB_COMMENT = "# your answer here"
#: A solution block of comments only (the answer goes into a file) leaves this line.
NOTHING_HERE = "# (nothing to write in this cell: the comment above says where)"
#: Folders copied whole, with their solution blocks stubbed (see ``learner_file``).
SERVICES = ("service",)
#: What a run leaves in a service folder: never copied, never compared.
_GENERATED_PARTS = {
    "__pycache__",
    ".serverless",
    ".pytest_cache",
    ".ruff_cache",
    ".ipynb_checkpoints",
}
_VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "jp-MarkdownHeadingCollapsed")
#: ``check("4.2", answer)`` in an exercise cell: the ids an exercise cell checks.
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([\w.]+)["']""")
HINT = re.compile(r"<details><summary>Hint ([12])</summary>")
CHECKERS = "workshop_lib/exercises/nb{notebook}.py"


class AuthoringError(ValueError):
    """A solution notebook that cannot be turned into a learner copy."""


# -- stubs --------------------------------------------------------------------------------
def _stub_block(block: list[str], indent: str, where: str, after: str = "") -> list[str]:
    """The learner's replacement for one solution block; ``after`` is the rest of the cell.

    The names the block assigns become ``name = ...``, unless the rest of the cell reads none
    of them: stub variables the check never looks at would read as the answer's place (7.2's
    NEW_FUNCTION, a helper of a cell that writes files and deploys); then ``...`` stands alone."""
    if indent:
        return [f'{indent}raise NotImplementedError("{STUB_COMMENT}")']
    code = textwrap.dedent("\n".join(block))
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise AuthoringError(f"{where}: the solution block does not parse: {exc}") from exc
    if not tree.body:  # comments only: the answer is written elsewhere (a file, say)
        return [NOTHING_HERE]
    lines: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first_body = node.body[0]
            header = code.splitlines()[node.lineno - 1 : first_body.lineno - 1]
            doc = ast.get_docstring(node, clean=False)
            lines += (
                header
                if doc is None
                else code.splitlines()[node.lineno - 1 : first_body.end_lineno]
            )
            body_indent = " " * first_body.col_offset
            lines.append(f'{body_indent}raise NotImplementedError("{STUB_COMMENT}")')
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                for name in names:
                    if isinstance(name, ast.Name):
                        lines.append(f"{name.id} = ...  {STUB_COMMENT}")
    assigned = [line.split(" = ", 1)[0] for line in lines if " = ..." in line]
    if assigned and not any(re.search(rf"\b{name}\b", after) for name in assigned):
        lines = [line for line in lines if " = ..." not in line]
    return lines or [f"...  {STUB_COMMENT}"]


def split_solution(source: str, where: str = "cell") -> tuple[str, list[str]]:
    """``(learner_source, solution_blocks)`` for one code cell's source."""
    out: list[str] = []
    blocks: list[str] = []
    block: list[str] | None = None
    indent = ""
    cell_lines = source.splitlines()
    for number, line in enumerate(cell_lines):
        stripped = line.strip()
        if stripped == BEGIN:
            if block is not None:
                raise AuthoringError(f"{where}: {BEGIN} inside another solution block")
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif stripped == END:
            if block is None:
                raise AuthoringError(f"{where}: {END} without {BEGIN}")
            out += _stub_block(block, indent, where, "\n".join(cell_lines[number + 1 :]))
            blocks.append(textwrap.dedent("\n".join(block)).strip("\n"))
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    if block is not None:
        raise AuthoringError(f"{where}: {BEGIN} without {END}")
    return "\n".join(out), blocks


def reveal_cell(cell_id: str, blocks: list[str]) -> Any:
    """The collapsed markdown cell that shows the solution one click away."""
    code = "\n\n".join(blocks)
    source = (
        "<details><summary><b>Show the solution</b> (try the hints first)</summary>\n\n"
        f"```python\n{code}\n```\n\n</details>"
    )
    cell = nbformat.v4.new_markdown_cell(source)
    cell.id = f"{cell_id}-solution"
    cell.metadata = {"slideshow": {"slide_type": "skip"}, "tags": ["solution-reveal"]}
    return cell


# -- the exercise contract ---------------------------------------------------------------
@dataclass(frozen=True)
class ExerciseCell:
    """A solution cell with an exercise: where it is and the ids its ``check()`` calls name."""

    notebook: str  # the file name, e.g. "04_dynamodb_tables.ipynb"
    index: int
    cell_id: str
    ids: tuple[str, ...]

    def where(self, folder: str = "solutions") -> str:
        return f"{folder}/{self.notebook} cell {self.index} ({self.cell_id})"


def exercise_cells(nb: Any, name: str) -> list[ExerciseCell]:
    """The exercise cells of a solution notebook: code cells with a solution block."""
    return [
        ExerciseCell(name, index, cell.get("id", ""), tuple(CHECK_CALL.findall(cell.source)))
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and BEGIN in cell.source
    ]


def exercise_ids(notebook: str) -> list[str]:
    """Every exercise id of a notebook (``"04"``), in the order its solution cells check them:
    what tests iterate over, so no test lists exercise ids by hand."""
    paths = solution_paths([f"{notebook}_"])
    if not paths:
        return []
    nb = nbformat.read(paths[0], as_version=4)
    return [i for cell in exercise_cells(nb, paths[0].name) for i in cell.ids]


def _printed(cell: Any) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") != "stderr")


def _line_of(text: str, exercise_id: str) -> str:
    return next((ln for ln in text.splitlines() if ln.startswith(f"[{exercise_id}]")), "nothing")


def contract_problems(nb: Any, name: str, executed: bool = True) -> list[str]:
    """What breaks the authoring contract in one solution notebook, each naming notebook,
    cell and exercise with the fix: every exercise cell has two hints above it and a
    ``check()`` call, every checked id has a registered checker (and every checker a cell),
    and, once executed, the cell printed ``[id] passed``."""
    from workshop_lib import exercises

    notebook = name.split("_", 1)[0]
    checkers = CHECKERS.format(notebook=notebook)
    registered = [ex.id for ex in exercises.exercises_of(notebook)]
    problems: list[str] = []
    seen: list[str] = []
    for cell in exercise_cells(nb, name):
        where = cell.where()
        if not cell.ids:
            problems.append(
                f"{where}: a solution block with no check() after it: end the cell with "
                f'check("{notebook.lstrip("0") or "0"}.N", answer)'
            )
        above = nb.cells[cell.index - 1] if cell.index else None
        hints = sorted(set(HINT.findall(above.source))) if above is not None else []
        if above is None or above.cell_type != "markdown" or hints != ["1", "2"]:
            problems.append(
                f"{where}: exercise {', '.join(cell.ids) or '?'} needs two hints in the markdown "
                "cell just above it: <details><summary>Hint 1</summary>...</details> and Hint 2"
            )
        for exercise_id in cell.ids:
            seen.append(exercise_id)
            if exercise_id not in registered:
                problems.append(
                    f"{where}: exercise {exercise_id} has no checker: add a function decorated "
                    f'with @exercise("{exercise_id}", title, hint) to {checkers}'
                )
            elif executed:
                printed = nb.cells[cell.index]
                text = _printed(printed)
                if f"[{exercise_id}] passed" not in text:
                    problems.append(
                        f"{where}: exercise {exercise_id} printed {_line_of(text, exercise_id)!r} "
                        f"instead of '[{exercise_id}] passed': the solution must pass its own "
                        "check (fix the solution block or the checker, then make notebooks)"
                    )
    for exercise_id in registered:
        if exercise_id not in seen:
            problems.append(
                f"{checkers}: exercise {exercise_id} has a checker but no exercise cell in "
                f"solutions/{name}: add the cell (solution block, then check()), or remove it"
            )
    return problems


def learner_contract_problems(nb: Any, name: str) -> list[str]:
    """An executed learner copy prints ``[id] not attempted yet`` for every exercise: its
    stub must neither pass nor fail."""
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for exercise_id in CHECK_CALL.findall(cell.source):
            text = _printed(cell)
            if f"[{exercise_id}] not attempted yet" not in text:
                problems.append(
                    f"notebooks/{name} cell {index} ({cell.get('id', '')}): exercise "
                    f"{exercise_id} printed {_line_of(text, exercise_id)!r} instead of "
                    f"'[{exercise_id}] not attempted yet': the checker must treat the stub "
                    "(... or NotImplementedError) as not attempted"
                )
    return problems


# -- notebooks ------------------------------------------------------------------------------
def strip(nb: Any) -> Any:
    """A copy without outputs, execution counts or volatile metadata."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def slide_type(cell: Any) -> str:
    """The slide a cell starts when it has none: headings open slides, the rest follows."""
    if cell.cell_type == "markdown":
        first = cell.source.lstrip().split("\n", 1)[0]
        if first.startswith(("# ", "## ")):
            return "slide"
        if first.startswith("### "):
            return "subslide"
    return "-"


def normalize(nb: Any, stem: str) -> bool:
    """Give every cell an id and slide metadata (kept once set); True if anything changed."""
    changed = False
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        if not cell.get("id") or cell.id in seen:
            cell.id = f"{stem}-{index:02d}"
            changed = True
        seen.add(cell.id)
        if "slideshow" not in cell.metadata:
            cell.metadata["slideshow"] = {"slide_type": slide_type(cell)}
            changed = True
    return changed


def learner_notebook(solution: Any, name: str = "notebook") -> Any:
    """The learner copy of a solution notebook (no outputs)."""
    nb = strip(solution)
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and BEGIN in cell.source:
            source, blocks = split_solution(cell.source, f"{name} cell {index} ({cell.id})")
            cell.source = source
            cells += [cell, reveal_cell(cell.id, blocks)]
        else:
            cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb


# -- the service folder -------------------------------------------------------------------
def service_files(folder: Path) -> list[Path]:
    """The files of a service folder, relative to it, without what runs generate."""
    return sorted(
        path.relative_to(folder)
        for path in folder.rglob("*")
        if path.is_file()
        and not _GENERATED_PARTS.intersection(path.relative_to(folder).parts)
        and path.suffix != ".pyc"
    )


def learner_file(relative: Path, data: bytes) -> bytes:
    """A service file as the learner gets it: solution blocks in ``.py`` files stubbed."""
    if relative.suffix != ".py" or not (BEGIN.encode() in data or END.encode() in data):
        return data
    source, _ = split_solution(data.decode("utf-8"), str(relative))
    return (source + "\n").encode("utf-8")


def build_service(
    name: str, solutions: Path | None = None, notebooks: Path | None = None
) -> list[Path]:
    """Write ``notebooks/<name>/`` from ``solutions/<name>/``; drop files no longer there."""
    source, target = (solutions or SOLUTIONS) / name, (notebooks or NOTEBOOKS) / name
    wanted = service_files(source)
    for stale in set(service_files(target) if target.exists() else []) - set(wanted):
        (target / stale).unlink()
    written = []
    for relative in wanted:
        data = learner_file(relative, (source / relative).read_bytes())
        path = target / relative
        if not path.exists() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(path)
    return written


def verify_service(name: str) -> list[str]:
    """Problems that make ``notebooks/<name>/`` differ from what ``build_service`` writes."""
    source, target = SOLUTIONS / name, NOTEBOOKS / name
    fix = "run `make notebooks`"
    if not target.is_dir():
        return [f"notebooks/{name}/ is missing: {fix}"]
    problems = []
    wanted, have = service_files(source), service_files(target)
    for extra in sorted(set(have) - set(wanted)):
        problems.append(f"notebooks/{name}/{extra}: not in solutions/{name}/: {fix}")
    for relative in wanted:
        try:
            data = learner_file(relative, (source / relative).read_bytes())
        except AuthoringError as exc:
            problems.append(f"solutions/{name}/{exc}")
            continue
        path = target / relative
        if not path.exists():
            problems.append(f"notebooks/{name}/{relative} is missing: {fix}")
        elif path.read_bytes() != data:
            problems.append(
                f"notebooks/{name}/{relative} differs from what solutions/{name}/{relative} "
                f"generates: {fix}"
            )
    return problems


def _comparable(nb: Any) -> list[tuple[str, str, str, Any]]:
    stripped = strip(nb)
    return [(c.id, c.cell_type, c.source, dict(c.metadata)) for c in stripped.cells]


def solution_paths(names: list[str] | None = None) -> list[Path]:
    """Solution notebooks, all or those whose file name starts with one of ``names``."""
    paths = sorted(SOLUTIONS.glob("*.ipynb"))
    if names:
        paths = [p for p in paths if any(p.name.startswith(n) for n in names)]
    return paths


def execute(path: Path, timeout: int = 600) -> None:
    """Execute a notebook in place with the current environment's kernel.

    The kernel gets an empty ``WORKSHOP_HOME`` of its own: the learner's progress is neither
    read (the saved outputs are a first run's) nor written."""
    import tempfile

    from nbclient import NotebookClient

    from workshop_lib.bars import NO_BARS

    os.environ[NO_BARS] = "1"  # saved outputs are compared: no timing-dependent redraws
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    with tempfile.TemporaryDirectory(prefix="workshop-home-") as home:
        client.execute(env=dict(os.environ, WORKSHOP_HOME=home))
    for cell in nb.cells:
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
    nbformat.write(nb, path)


def build(names: list[str] | None = None, run: bool = True, jobs: int = 2) -> list[Path]:
    """Write ``notebooks/`` from ``solutions/``; execute both unless ``run`` is False."""
    NOTEBOOKS.mkdir(exist_ok=True)
    written: list[Path] = []
    for name in SERVICES:
        written += build_service(name)
    for path in solution_paths(names):
        solution = nbformat.read(path, as_version=4)
        if normalize(solution, path.stem.split("_", 1)[0]):
            nbformat.write(solution, path)
        target = NOTEBOOKS / path.name
        nbformat.write(learner_notebook(solution, path.name), target)
        written.append(target)
    if run:
        notebooks = [t for t in written if t.suffix == ".ipynb" and t.parent == NOTEBOOKS]
        todo = [p for t in notebooks for p in (SOLUTIONS / t.name, t)]
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(execute, todo))
    return written


def contract(names: list[str] | None = None, executed: bool = True) -> list[str]:
    """The exercise contract over the solution notebooks (and, executed, their learner copies)."""
    problems: list[str] = []
    for path in solution_paths(names):
        problems += contract_problems(nbformat.read(path, as_version=4), path.name, executed)
        target = NOTEBOOKS / path.name
        if executed and target.exists():
            problems += learner_contract_problems(nbformat.read(target, as_version=4), path.name)
    return problems


def verify() -> list[str]:
    """Problems that make ``notebooks/`` differ from what ``build`` would write."""
    problems: list[str] = [p for name in SERVICES for p in verify_service(name)]
    expected = {p.name for p in solution_paths()}
    for extra in sorted({p.name for p in NOTEBOOKS.glob("*.ipynb")} - expected):
        problems.append(f"notebooks/{extra}: no solutions/{extra} to generate it from")
    for path in solution_paths():
        solution = nbformat.read(path, as_version=4)
        target = NOTEBOOKS / path.name
        try:
            want = learner_notebook(solution, path.name)
        except AuthoringError as exc:
            problems.append(str(exc))
            continue
        if not target.exists():
            problems.append(f"notebooks/{path.name} is missing: run `make notebooks`")
            continue
        have = nbformat.read(target, as_version=4)
        a, b = _comparable(want), _comparable(have)
        if a != b:
            first = next(
                (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                min(len(a), len(b)),
            )
            problems.append(
                f"notebooks/{path.name} differs from what solutions/{path.name} generates "
                f"(first at cell {first}): run `make notebooks`"
            )
        for folder, nb in (("solutions", solution), ("notebooks", have)):
            missing = [
                i
                for i, c in enumerate(nb.cells)
                if c.cell_type == "code" and c.source.strip() and c.execution_count is None
            ]
            if missing:
                problems.append(
                    f"{folder}/{path.name}: {len(missing)} code cell(s) not executed "
                    f"(first: cell {missing[0]}): run `make notebooks`"
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workshop_lib.authoring")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write notebooks/ from solutions/ and execute both")
    b.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 01 (default: all)")
    b.add_argument("--no-execute", action="store_true", help="write without executing")
    e = sub.add_parser("execute", help="execute notebooks in place")
    e.add_argument("paths", nargs="+", type=Path)
    sub.add_parser("verify", help="exit non-zero if notebooks/ drifted from solutions/")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            for path in build(args.names or None, run=not args.no_execute):
                shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                print(f"wrote {shown}")
            problems = contract(args.names or None, executed=not args.no_execute)
            for problem in problems:
                print(problem, file=sys.stderr)
            if problems:
                print(
                    f"make notebooks: {len(problems)} problem(s) with the exercises above",
                    file=sys.stderr,
                )
                return 1
        elif args.command == "execute":
            for path in args.paths:
                execute(path.resolve())
                print(f"executed {path}")
        else:
            problems = verify()
            for problem in problems:
                print(problem)
            if problems:
                return 1
            print(
                f"notebooks/ is in sync with solutions/ ({len(solution_paths())} notebooks, "
                f"{len(SERVICES)} service folder)"
            )
    except AuthoringError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
