"""Re-running a notebook's cells after its last one (`aws.stop()`) in a real kernel, with
real-looking credentials: every AWS call says what to do, none tries to leave the machine.

`python -m tests.rerun_check` runs the same check on the course's notebooks (a few minutes:
not part of make test).
"""

from __future__ import annotations

import nbformat
import pytest

from tests.rerun_check import rerun

CELLS = [
    "import boto3\nfrom workshop_lib import sandbox\naws = sandbox().start()",
    "ddb = boto3.client('dynamodb')\nddb.list_tables()['TableNames']",
    "boto3.client('lambda').list_functions()['Functions']",
    "import requests\ntry:\n    requests.get('https://example.com/', timeout=5)\n"
    "except requests.ConnectionError as e:\n    print(type(e.__context__).__name__)",
    "aws.plugin('dynamodb').name",
    "raise ValueError('an error that names no next step')",
    "aws.stop()",
]


@pytest.mark.slow
def test_cells_rerun_after_the_last_one_say_what_to_do_and_stay_on_the_machine(tmp_path):
    notebook = tmp_path / "99_rerun.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, notebook)
    # the one cell whose error names no next step is reported; the AWS calls, the stopped
    # sandbox's layer and the lookup of example.com are not, and nothing was sent
    assert rerun(notebook) == [
        "99_rerun.ipynb cell 5: no next step in 'ValueError: an error that names no next step'"
    ]
