"""No workshop_lib module reaches into another one's private names (house rule).

An AST scan of every module: ``from workshop_lib.x import _y`` (relative imports too) and
``x._y`` where ``x`` names another workshop_lib module are reported as ``file:line``. A name
one module needs from another is public there. Third-party private names (moto's internals)
are seams and are not this test's business.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "workshop_lib"
#: what a file must contain to be worth parsing (parsing all of them is most of the test's
#: time): a dotted name followed by ``._x``, or a ``from`` import of a relative or
#: workshop_lib module whose names include ``_x`` or open a parenthesis
CANDIDATE = re.compile(
    r"(?<![\w.])(?!self\.|cls\.)[A-Za-z_]\w*(?:\.\w+)*\._[A-Za-z]"
    r"|^[ \t]*from[ \t]+(?:\.|{package})[^\n]*import[ \t]*(?:\(|[^\n]*\b_[A-Za-z])"
)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_from(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ``from ... import`` reads from."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def private_uses(root: Path, package: str = PACKAGE) -> list[str]:
    """``file:line: what`` for every use of another module's private name under ``root``."""
    paths = {_module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}
    found = []
    candidate = re.compile(CANDIDATE.pattern.replace("{package}", re.escape(package)), re.M)
    for module, path in paths.items():
        text = path.read_text(encoding="utf-8")
        if not candidate.search(text):
            continue
        tree = ast.parse(text, str(path))
        where = path.relative_to(root)
        aliases: dict[str, str] = {}  # local name -> the workshop_lib module it names
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == package:
                        local = alias.asname or alias.name.split(".")[0]
                        aliases[local] = alias.name if alias.asname else package
            elif isinstance(node, ast.ImportFrom):
                source = _imported_from(node, module, path.name == "__init__.py")
                if source.split(".")[0] != package:
                    continue
                for alias in node.names:
                    target = f"{source}.{alias.name}"
                    if target in paths:
                        aliases[alias.asname or alias.name] = target
                    if _private(alias.name) and source != module:
                        found.append(f"{where}:{node.lineno}: imports {target}")
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and _private(node.attr)):
                continue
            names, base = [], node.value
            while isinstance(base, ast.Attribute):
                names.insert(0, base.attr)
                base = base.value
            if not (isinstance(base, ast.Name) and base.id in aliases):
                continue
            target = ".".join([aliases[base.id], *names])
            if target in paths and target != module:
                found.append(f"{where}:{node.lineno}: uses {target}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names():
    found = private_uses(ROOT)
    assert not found, "private names used across modules (make them public):\n" + "\n".join(found)


def test_the_scan_finds_imports_and_attribute_uses(tmp_path):
    """The scan itself: each way of reaching in is reported, same-module use is not."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "a.py").write_text("_hidden = 1\nshown = _hidden\n")
    (package / "sub" / "b.py").write_text(
        "from pkg.sub.a import _hidden\n"
        "from . import a\n"
        "from .a import shown, __doc__\n"
        "import pkg.sub.a\n"
        "import pkg.sub.a as alias\n"
        "def f():\n"
        "    return a._hidden, pkg.sub.a._hidden, alias._hidden, a.shown, a.__name__\n"
    )
    assert private_uses(tmp_path, "pkg") == [
        "pkg/sub/b.py:1: imports pkg.sub.a._hidden",
        "pkg/sub/b.py:7: uses pkg.sub.a._hidden",
        "pkg/sub/b.py:7: uses pkg.sub.a._hidden",
        "pkg/sub/b.py:7: uses pkg.sub.a._hidden",
    ]
