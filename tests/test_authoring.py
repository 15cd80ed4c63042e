"""solutions/ → notebooks/: stubs, reveal cells, deterministic ids, and drift detection."""

from __future__ import annotations

import nbformat
import pytest

from workshop_lib import authoring
from workshop_lib.authoring import AuthoringError, learner_notebook, split_solution

SOLVED_ASSIGNMENT = """\
from workshop_lib.exercises import check
### BEGIN SOLUTION
billed_2018 = 200
billed_today, other = 120, 1
### END SOLUTION
check("1.1", (billed_2018, billed_today))"""

SOLVED_FUNCTION = """\
### BEGIN SOLUTION
def monthly_cost(requests: int, duration_ms: float) -> float:
    \"\"\"Cost of a month.\"\"\"
    return requests * duration_ms
### END SOLUTION
check("1.2", monthly_cost)"""

SOLVED_BODY = """\
def handler(event, context):
    ### BEGIN SOLUTION
    return {"statusCode": 200}
    ### END SOLUTION"""


def test_top_level_answers_become_ellipsis_stubs():
    learner, blocks = split_solution(SOLVED_ASSIGNMENT)
    assert learner.splitlines()[1:] == [
        "billed_2018 = ...  # your answer here",
        "billed_today = ...  # your answer here",
        "other = ...  # your answer here",
        'check("1.1", (billed_2018, billed_today))',
    ]
    assert blocks == ["billed_2018 = 200\nbilled_today, other = 120, 1"]


def test_variables_the_check_never_reads_are_not_offered_as_the_answers_place():
    # 7.2: the cell writes a file, edits serverless.yml and deploys; the check reads the
    # service folder, so `NEW_FUNCTION = ...` only looks like the answer's place
    source = (
        "### BEGIN SOLUTION\n"
        'NEW_FUNCTION = "  apps-list: ..."\n'
        'edit("svc/serverless.yml", "functions:\\n", "functions:\\n" + NEW_FUNCTION)\n'
        "### END SOLUTION\n"
        'status = check("7.2", "svc")'
    )
    learner, _ = split_solution(source)
    assert learner.splitlines() == ["...  # your answer here", 'status = check("7.2", "svc")']


def test_functions_keep_signature_and_docstring():
    learner, _ = split_solution(SOLVED_FUNCTION)
    assert learner.splitlines() == [
        "def monthly_cost(requests: int, duration_ms: float) -> float:",
        '    """Cost of a month."""',
        '    raise NotImplementedError("# your answer here")',
        'check("1.2", monthly_cost)',
    ]


def test_blocks_inside_a_body_raise_not_implemented():
    learner, _ = split_solution(SOLVED_BODY)
    assert learner.splitlines()[-1] == '    raise NotImplementedError("# your answer here")'


def test_a_comment_only_block_says_there_is_nothing_to_write_in_the_cell():
    source = "# Write the body in service/x.py.\n### BEGIN SOLUTION\n# return 1\n### END SOLUTION"
    learner, blocks = split_solution(source)
    assert learner == "# Write the body in service/x.py.\n" + authoring.NOTHING_HERE
    assert blocks == ["# return 1"]


def test_stubs_run_without_raising_at_cell_level():
    for source in (SOLVED_ASSIGNMENT, SOLVED_FUNCTION, SOLVED_BODY):
        learner, _ = split_solution(source)
        namespace = {"check": lambda *a: None}
        exec(learner.replace("from workshop_lib.exercises import check\n", ""), namespace)


@pytest.mark.parametrize(
    "source, message",
    [
        ("### BEGIN SOLUTION\nx = 1", "without ### END"),
        ("x = 1\n### END SOLUTION", "without ### BEGIN"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
        ("### BEGIN SOLUTION\nx = (\n### END SOLUTION", "does not parse"),
    ],
)
def test_malformed_solution_blocks_are_reported(source, message):
    with pytest.raises(AuthoringError, match=message):
        split_solution(source)


def make_solution_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 98 · Demo\n\nGoals"),
        nbformat.v4.new_code_cell(SOLVED_ASSIGNMENT),
        nbformat.v4.new_markdown_cell("### Exercise 98.2"),
        nbformat.v4.new_code_cell("print('hello')"),
    ]
    authoring.normalize(nb, "98")
    return nb


def test_learner_notebook_adds_a_reveal_cell_with_derived_id():
    nb = make_solution_notebook()
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="[1.1] passed\n")]
    nb.cells[1].execution_count = 3
    learner = learner_notebook(nb)
    ids = [c.id for c in nb.cells]
    assert [c.id for c in learner.cells] == [ids[0], ids[1], f"{ids[1]}-solution", *ids[2:]]
    reveal = learner.cells[2]
    assert "<details>" in reveal.source and "billed_2018 = 200" in reveal.source
    assert learner.cells[1].outputs == [] and learner.cells[1].execution_count is None
    assert nb.cells[1].execution_count == 3  # the solution is not modified
    assert learner_notebook(nb) == learner  # deterministic


def test_normalize_adds_slides_and_missing_or_duplicate_ids_once():
    nb = make_solution_notebook()
    nb.cells[2].id = nb.cells[0].id
    del nb.cells[3]["id"]
    assert authoring.normalize(nb, "98") is True
    assert [c.id for c in nb.cells][2:] == ["98-02", "98-03"]
    types = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]
    assert types == ["slide", "-", "subslide", "-"]
    assert authoring.normalize(nb, "98") is False


@pytest.fixture
def course(tmp_path, monkeypatch):
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    notebooks.mkdir()
    monkeypatch.setattr(authoring, "SOLUTIONS", solutions)
    monkeypatch.setattr(authoring, "NOTEBOOKS", notebooks)
    nb = make_solution_notebook()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = 1
    nbformat.write(nb, solutions / "98_demo.ipynb")
    learner = learner_notebook(nb)
    for cell in learner.cells:
        if cell.cell_type == "code":
            cell.execution_count = 1
    nbformat.write(learner, notebooks / "98_demo.ipynb")
    (solutions / "service" / "apps").mkdir(parents=True)
    (solutions / "service" / "apps" / "route.py").write_text(SERVICE_ROUTE)
    (solutions / "service" / "serverless.yml").write_text("service: demo\n")
    authoring.build_service("service")
    return solutions, notebooks


SERVICE_ROUTE = """\
def route(event, context):
    \"\"\"Answer 200.\"\"\"
    ### BEGIN SOLUTION
    return {"statusCode": 200}
    ### END SOLUTION
"""


def test_verify_passes_when_in_sync(course):
    assert authoring.verify() == []


def test_verify_reports_an_edited_learner_notebook(course):
    _, notebooks = course
    nb = nbformat.read(notebooks / "98_demo.ipynb", as_version=4)
    nb.cells[3].source += "\n# edited by hand"
    nbformat.write(nb, notebooks / "98_demo.ipynb")
    (problem,) = authoring.verify()
    assert "differs from what solutions/98_demo.ipynb generates (first at cell 3)" in problem


def test_verify_reports_an_edited_solution_missing_and_extra_files(course):
    solutions, notebooks = course
    nb = nbformat.read(solutions / "98_demo.ipynb", as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace("200", "300")
    nbformat.write(nb, solutions / "98_demo.ipynb")
    (notebooks / "97_orphan.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    problems = authoring.verify()
    assert any("97_orphan.ipynb: no solutions/" in p for p in problems)
    assert any("98_demo.ipynb differs" in p for p in problems)
    (notebooks / "98_demo.ipynb").unlink()
    assert any("98_demo.ipynb is missing" in p for p in authoring.verify())


def test_verify_reports_unexecuted_cells(course):
    solutions, _ = course
    nb = nbformat.read(solutions / "98_demo.ipynb", as_version=4)
    nb.cells[3].execution_count = None
    nbformat.write(nb, solutions / "98_demo.ipynb")
    assert authoring.verify() == [
        "solutions/98_demo.ipynb: 1 code cell(s) not executed (first: cell 3): run `make notebooks`"
    ]


def test_cli_verify_exit_codes(course, capsys):
    assert authoring.main(["verify"]) == 0
    (course[1] / "98_demo.ipynb").unlink()
    assert authoring.main(["verify"]) == 1
    assert "missing" in capsys.readouterr().out


def test_build_without_execution_writes_learner_copies(course):
    solutions, notebooks = course
    (notebooks / "98_demo.ipynb").unlink()
    written = authoring.build(run=False)
    assert [p.name for p in written] == ["98_demo.ipynb"]  # the service was in sync already
    learner = nbformat.read(notebooks / "98_demo.ipynb", as_version=4)
    assert "billed_2018 = ...  # your answer here" in learner.cells[1].source


# -- the service folder ---------------------------------------------------------------------
def test_the_service_copy_has_stubbed_bodies_and_everything_else_verbatim(course):
    _, notebooks = course
    route = (notebooks / "service" / "apps" / "route.py").read_text()
    assert route == (
        "def route(event, context):\n"
        '    """Answer 200."""\n'
        '    raise NotImplementedError("# your answer here")\n'
    )
    assert (notebooks / "service" / "serverless.yml").read_text() == "service: demo\n"


def test_verify_reports_service_drift_missing_and_extra_files(course):
    solutions, notebooks = course
    learner = notebooks / "service"
    (learner / "apps" / "route.py").write_text("def route(event, context):\n    return 1\n")
    (learner / "extra.py").write_text("")
    (learner / "serverless.yml").unlink()
    (learner / ".serverless").mkdir()  # what a deploy writes is not the author's business
    (learner / ".serverless" / "service.zip").write_bytes(b"zip")
    assert sorted(authoring.verify()) == [
        "notebooks/service/apps/route.py differs from what solutions/service/apps/route.py "
        "generates: run `make notebooks`",
        "notebooks/service/extra.py: not in solutions/service/: run `make notebooks`",
        "notebooks/service/serverless.yml is missing: run `make notebooks`",
    ]
    written = authoring.build_service("service")
    assert sorted(p.name for p in written) == ["route.py", "serverless.yml"]
    assert authoring.verify() == [] and not (learner / "extra.py").exists()
    assert (learner / ".serverless" / "service.zip").exists()


def test_a_broken_solution_block_in_the_service_is_reported(course):
    solutions, _ = course
    (solutions / "service" / "apps" / "route.py").write_text("x = 1\n### END SOLUTION\n")
    (problem,) = authoring.verify()
    assert problem == "solutions/service/apps/route.py: ### END SOLUTION without ### BEGIN SOLUTION"


# -- the exercise contract ------------------------------------------------------------------
HINTS = (
    "### Exercise 98.1\n\n<details><summary>Hint 1</summary>a</details>\n"
    "<details><summary>Hint 2</summary>b</details>"
)
EXERCISE_CELL = """\
from workshop_lib.exercises import check
### BEGIN SOLUTION
answer = 42
### END SOLUTION
check("98.1", answer)"""


def exercise_notebook(printed: str = "[98.1] passed\n"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 98 · Demo"),
        nbformat.v4.new_markdown_cell(HINTS),
        nbformat.v4.new_code_cell(EXERCISE_CELL),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text=printed)]
    for index, cell in enumerate(nb.cells):
        cell.id = f"98-{index:02d}"
    authoring.normalize(nb, "98")
    return nb


@pytest.fixture
def checker_98(monkeypatch):
    from workshop_lib import exercises

    monkeypatch.setattr(exercises, "REGISTRY", dict(exercises.REGISTRY))
    exercises.exercise("98.1", "the answer", "think")(lambda answer: None)
    return exercises


def test_contract_holds_for_a_checked_exercise_with_hints(checker_98):
    nb = exercise_notebook()
    assert authoring.contract_problems(nb, "98_demo.ipynb") == []
    assert [c.ids for c in authoring.exercise_cells(nb, "98_demo.ipynb")] == [("98.1",)]


def test_contract_names_notebook_cell_and_exercise_without_a_checker():
    nb = exercise_notebook("[98.1] FAILED: there is no exercise 98.1 — hint: ...\n")
    (problem,) = authoring.contract_problems(nb, "98_demo.ipynb")
    assert problem.startswith(
        "solutions/98_demo.ipynb cell 2 (98-02): exercise 98.1 has no checker"
    )
    assert '@exercise("98.1", title, hint) to workshop_lib/exercises/nb98.py' in problem


def test_contract_reports_a_solution_that_does_not_pass_its_check(checker_98):
    nb = exercise_notebook("[98.1] FAILED: wrong — hint: try again\n")
    (problem,) = authoring.contract_problems(nb, "98_demo.ipynb")
    assert (
        "cell 2 (98-02): exercise 98.1 printed '[98.1] FAILED: wrong — hint: try again'" in problem
    )
    assert "instead of '[98.1] passed'" in problem
    assert authoring.contract_problems(nb, "98_demo.ipynb", executed=False) == []


def test_contract_reports_missing_hints_missing_check_and_orphan_checkers(checker_98):
    nb = exercise_notebook()
    nb.cells[1].source = "### Exercise 98.1\n\n<details><summary>Hint 1</summary>a</details>"
    nb.cells[2].source = nb.cells[2].source.replace('check("98.1", answer)', "print(answer)")
    problems = authoring.contract_problems(nb, "98_demo.ipynb")
    assert problems[0].startswith(
        "solutions/98_demo.ipynb cell 2 (98-02): a solution block with no"
    )
    assert "needs two hints in the markdown cell just above it" in problems[1]
    assert problems[2].startswith(
        "workshop_lib/exercises/nb98.py: exercise 98.1 has a checker but no exercise cell"
    )


def test_contract_reports_a_learner_copy_whose_stub_does_not_say_not_attempted():
    nb = learner_notebook(exercise_notebook())
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="[98.1] passed\n")]
    (problem,) = authoring.learner_contract_problems(nb, "98_demo.ipynb")
    assert (
        "notebooks/98_demo.ipynb cell 2 (98-02): exercise 98.1 printed '[98.1] passed'" in problem
    )


def test_build_fails_naming_the_exercise_without_a_checker(course, capsys):
    solutions, _ = course
    nbformat.write(exercise_notebook(), solutions / "98_demo.ipynb")
    assert authoring.main(["build", "--no-execute"]) == 1
    err = capsys.readouterr().err
    assert "solutions/98_demo.ipynb cell 2 (98-02): exercise 98.1 has no checker" in err
    assert "1 problem(s) with the exercises above" in err


def test_exercise_ids_come_from_the_solution_notebooks():
    assert authoring.exercise_ids("04") == ["4.1", "4.2", "4.3"]
    assert authoring.exercise_ids("97") == []
