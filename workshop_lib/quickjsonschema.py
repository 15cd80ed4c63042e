"""jsonschema without building ``rfc3987_syntax``'s grammar: for request models, moto's OpenAPI
checks, nbformat (the course's authoring, ``workshop reset``) and nbval in ``make test``.

jsonschema imports that optional IRI checker when it is installed (Jupyter brings it), and it
builds a grammar at import time, the largest part of the import, for a string format that no
course API, OpenAPI document or notebook schema uses. A speed seam (workshop_lib/seams.py):
if jsonschema stops importing it that way, the import is jsonschema's own, with a warning.
"""

from __future__ import annotations

import sys


def import_jsonschema() -> None:
    """Import jsonschema with the IRI checker hidden during this import only (anyone may import
    ``rfc3987_syntax`` later); nothing to do once either is imported."""
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    from workshop_lib import seams

    if not seams.usable("jsonschema._format"):
        import jsonschema  # noqa: F401

        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        import jsonschema  # noqa: F401
    finally:
        del sys.modules["rfc3987_syntax"]
