"""Loaded before pytest's other plugins (``-p tests.quick_imports``, make test's command line).

nbval imports nbformat, which imports jsonschema. Imported here first, the quick way, jsonschema
skips building an IRI grammar that no notebook schema uses, in each of make test's pytest
processes (the main one and its workers).
"""

from workshop_lib.quickjsonschema import import_jsonschema

import_jsonschema()
