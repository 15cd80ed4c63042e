"""workshop_lib.quickjsonschema: jsonschema without rfc3987-syntax's grammar, and still whole."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
quick = sys.argv[1] == "quick"
if quick:
    from workshop_lib.quickjsonschema import import_jsonschema
    import_jsonschema()
import jsonschema, nbformat
loaded = "rfc3987_syntax" in sys.modules
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
nbformat.validate(nb)
checker = jsonschema.FormatChecker()
email_checked = not checker.conforms("not an email", "email") and checker.conforms("a@b.c", "email")
import rfc3987_syntax  # not poisoned: importable later, by whoever wants it
print(json.dumps({"loaded": loaded, "email": email_checked}))
"""


def probe(mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_jsonschema_imports_the_iri_grammar_here_unless_imported_the_quick_way():
    """The seam: this installation has rfc3987-syntax and jsonschema imports it (if either
    changes, the quick import has nothing left to skip and this says so)."""
    plain, quick = probe("plain"), probe("quick")
    assert plain["loaded"] and not quick["loaded"]
    assert plain["email"] and quick["email"]  # the other format checks still work


def test_make_tests_pytest_processes_import_it_the_quick_way(request):
    if not request.config.pluginmanager.has_plugin("tests.quick_imports"):
        pytest.skip("run without -p tests.quick_imports (make test loads it)")
    assert "jsonschema" in sys.modules and "rfc3987_syntax" not in sys.modules
