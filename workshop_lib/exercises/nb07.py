"""Checks for notebook 07 (the Serverless Framework): a service folder, read and deployed.

Every check takes the folder of the learner's service (``check("7.1", "serverless-test")``),
reads its ``serverless.yml`` the way ``workshop sls`` does, and then looks at what is deployed
in the running sandbox: the stack's own template, the functions, the API. Nothing is changed,
so a check can run again and again.

7.1 compares the calls the sandbox recorded (``dynamodb:PutItem`` by ``apps-create``) with
the role's statements, in ``serverless.yml`` and in the deployed stack. 7.2 looks for a
function with an ``http`` ``GET apps`` event, deployed, and calls it through the gateway.
7.3 reads the file for several stages (memory per stage, with a default) and looks at the
functions deployed to ``prod``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workshop_lib.exercises import Fail, NotAttempted, exercise
from workshop_lib.exercises.common import running_sandbox

#: The notebook's service and its table (apps-{stage}).
SERVICE = "serverless-test"
#: 7.1: what the role allowed when the notebook deployed it first.
STARTING_ACTIONS = {"dynamodb:query", "dynamodb:scan"}
#: 7.2: the route the new function answers.
LIST_PATH = "apps"
#: 7.3: memory per stage.
PROD_MEMORY_MB = 512
DEFAULT_MEMORY_MB = 128
OTHER_STAGE = "qa"


# -- shared ------------------------------------------------------------------------------------
def _sandbox() -> Any:
    return running_sandbox(
        "nothing is deployed to check",
        "run the notebook from the top: aws = sandbox(region='eu-west-1', "
        "clock='virtual').start() is near the top",
    )


def _load(answer: Any, exercise_id: str, stage: str | None = None) -> Any:
    """The learner's service for ``stage``, or a Fail that says what is wrong with it."""
    from workshop_lib.framework import ConfigError, Service

    if not isinstance(answer, (str, Path)):
        raise Fail(
            f"expected the service's folder, got {type(answer).__name__}",
            f"pass the folder's name: check('{exercise_id}', '{SERVICE}')",
        )
    if not Path(answer).is_dir() and Path(answer).name == SERVICE:
        # the right name, but this kernel's scratch folder does not have it: a restarted
        # kernel, or a cell above not run yet (they create the service in a new folder)
        raise Fail(
            f"there is no folder {SERVICE!r} in this kernel's scratch folder "
            f"({Path.cwd().name}): the cells above create it, in a new folder after a restart",
            "run the cells above first (Run > Run All Above), then this one",
        )
    if not (Path(answer) / "serverless.yml").is_file():
        raise Fail(
            f"there is no serverless.yml in {Path(answer).name!r}",
            f"pass the folder the notebook's service is in: check('{exercise_id}', '{SERVICE}')",
        )
    where = f" for --stage {stage}" if stage else ""
    try:
        service = Service.load(answer, stage=stage)
    except ConfigError as exc:
        raise Fail(
            f"serverless.yml cannot be read{where}: {exc}",
            "fix the line the message names; sls('print', service=...) shows the file resolved",
        ) from None
    unknown = [w for w in service.warnings if "unknown key" in w]
    if unknown:  # v3 only warns, but the key then does nothing: a typo the check names
        raise Fail(
            f"serverless.yml has a key the framework ignores{where}: {unknown[0]}",
            "fix the line the message names; sls('print', service=...) shows the file resolved",
        )
    return service


def _stack_template(aws: Any, service: Any) -> dict[str, Any]:
    cf = aws.client("cloudformation", region_name=service.region)
    try:
        body = cf.get_template(StackName=service.stack_name)["TemplateBody"]
    except cf.exceptions.ClientError:
        raise Fail(
            f"the stack {service.stack_name} is not deployed",
            f"deploy the service: sls('deploy', service='{SERVICE}')",
        ) from None
    return json.loads(body) if isinstance(body, str) else body


def deployed_statements(aws: Any, service: Any) -> list[dict[str, Any]]:
    """The execution role's statements as the stack has them (functions resolved)."""
    from workshop_lib.framework.deploy import physical_ids
    from workshop_lib.framework.gaps import Intrinsics

    template = _stack_template(aws, service)
    cf = aws.client("cloudformation", region_name=service.region)
    types = {k: v.get("Type", "") for k, v in template.get("Resources", {}).items()}
    resolve = Intrinsics(aws, service.region, physical_ids(cf, service.stack_name), types)
    role = template.get("Resources", {}).get("IamRoleLambdaExecution", {})
    policies = role.get("Properties", {}).get("Policies") or [{}]
    statements = policies[0].get("PolicyDocument", {}).get("Statement", [])
    return [_resolved(resolve, s) for s in statements]


def _resolved(resolve: Any, statement: dict[str, Any]) -> dict[str, Any]:
    try:
        return resolve(statement)
    except Exception:  # a reference to something not deployed: it allows nothing
        return {**statement, "Resource": "unresolved"}


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        action = statement.get("Action", [])
        found |= {str(a).lower() for a in (action if isinstance(action, list) else [action])}
    return found


# -- 7.1: the role allows what the code calls ------------------------------------------------
@exercise(
    "7.1",
    "Allow what the code calls",
    "the cell should only edit serverless.yml and deploy; run the cells above it first",
)
def check_role(answer: Any) -> None:
    from workshop_lib.framework import iam
    from workshop_lib.iam.policy import allows

    aws = _sandbox()
    service = _load(answer, "7.1")
    if _actions(service.iam_statements) <= STARTING_ACTIONS:
        raise NotAttempted
    calls = [c for c in iam.recorded_calls(service, aws) if c.action == "dynamodb:PutItem"]
    if not calls:
        raise Fail(
            "the sandbox has not seen apps-create call dynamodb:PutItem, so there is nothing "
            "to compare the role with",
            "run the cells of 'deploy function' above (they POST an app), then this one again",
        )
    call = calls[0]
    table = call.resource
    in_file = iam.role_statements(service, aws)
    if not allows(in_file, call.action, table):
        raise Fail(
            f"the statements in serverless.yml do not allow {call.action} on {table}",
            "add '- dynamodb:PutItem' to the Action list of the statement whose Resource is "
            "the table (Fn::GetAtt: [AppsTable, Arn]); action names are service:Operation",
        )
    deployed = deployed_statements(aws, service)
    if not allows(deployed, call.action, table):
        raise Fail(
            f"serverless.yml allows {call.action}, but the deployed role does not yet",
            "the role is part of the CloudFormation stack: run a full sls('deploy', "
            f"service='{SERVICE}'); deploy function changes one function's code and "
            "configuration, never the role",
        )
    other_table = table.rsplit("/", 1)[0] + "/someone-elses-table"
    if allows(deployed, call.action, other_table):
        raise Fail(
            f"the role allows {call.action} on every table, not just {table.rsplit('/', 1)[1]}",
            "keep the Resource the table's ARN (Fn::GetAtt: [AppsTable, Arn]), not '*': "
            "least privilege",
        )
    if allows(deployed, "dynamodb:DeleteTable", table):
        raise Fail(
            "the role allows every DynamoDB action on the table, DeleteTable included",
            "list the actions the code calls (Query, Scan, PutItem) instead of 'dynamodb:*'",
        )


# -- 7.2: a function with an http GET event --------------------------------------------------
@exercise(
    "7.2",
    "A function with a GET event",
    "the cell should only write the handler, edit serverless.yml and deploy",
)
def check_function(answer: Any) -> None:
    aws = _sandbox()
    service = _load(answer, "7.2")
    found = [(fn, e) for fn in service.functions.values() for e in fn.http if e.method == "get"]
    if not found:
        if set(service.functions) <= {"apps-create", "apps-delete"}:
            raise NotAttempted
        raise Fail(
            "no function of serverless.yml has an http event with method get",
            "under the new function: events: - http: {path: apps, method: get}",
        )
    routes = [(fn, e) for fn, e in found if e.path.strip("/") == LIST_PATH]
    if not routes:
        paths = ", ".join(sorted("/" + e.path for _, e in found))
        raise Fail(
            f"the GET event is on {paths}, not on /{LIST_PATH}",
            f"path: {LIST_PATH} (no stage, no leading slash needed)",
        )
    fn = routes[0][0]
    if not (service.root / fn.module_path).is_file():
        raise Fail(
            f"the handler {fn.handler} needs the file {fn.module_path}, which does not exist",
            "write the file into the service folder; handler: apps/list.list_apps means "
            "the function list_apps in apps/list.py",
        )
    lam = aws.client("lambda", region_name=service.region)
    try:
        lam.get_function(FunctionName=fn.name)
    except lam.exceptions.ResourceNotFoundException:
        raise Fail(
            f"{fn.name} is not deployed",
            f"a new function needs a full sls('deploy', service='{SERVICE}'); deploy function "
            "only updates functions that already exist",
        ) from None
    _check_list_answer(aws, service, fn)


def _endpoint(aws: Any, service: Any) -> str:
    cf = aws.client("cloudformation", region_name=service.region)
    outputs = cf.describe_stacks(StackName=service.stack_name)["Stacks"][0].get("Outputs", [])
    for output in outputs:
        if output["OutputKey"] == "ServiceEndpoint":
            return output["OutputValue"]
    raise Fail("the stack has no API", f"deploy the service: sls('deploy', service='{SERVICE}')")


def _function_error(aws: Any, service: Any, fn: Any) -> str:
    lam = aws.client("lambda", region_name=service.region)
    event = {"httpMethod": "GET", "path": f"/{LIST_PATH}", "resource": f"/{LIST_PATH}"}
    response = lam.invoke(FunctionName=fn.name, Payload=json.dumps(event).encode())
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError") and isinstance(payload, dict):
        return f"{payload.get('errorType')}: {payload.get('errorMessage')}"
    return f"it returned {json.dumps(payload)[:120]}"


def _check_list_answer(aws: Any, service: Any, fn: Any) -> None:
    import requests

    url = f"{_endpoint(aws, service)}/{LIST_PATH}"
    response = requests.get(url, timeout=30)
    if response.status_code == 403:
        raise Fail(
            f"GET /{LIST_PATH} answered 403 Missing Authentication Token: the deployed API "
            "has no such route",
            f"routes come with the stack: a full sls('deploy', service='{SERVICE}')",
        )
    if response.status_code == 502:
        raise Fail(
            f"GET /{LIST_PATH} answered 502, the function's answer was unusable: "
            f"{_function_error(aws, service, fn)}",
            "return {'statusCode': 200, 'body': json.dumps(ids)}; sls('logs -f apps-list', "
            "service=...) shows what happened",
        )
    if response.status_code != 200:
        raise Fail(f"GET /{LIST_PATH} answered {response.status_code}", "answer statusCode 200")
    table = f"apps-{service.stage}"
    items = aws.client("dynamodb", region_name=service.region).scan(TableName=table)["Items"]
    expected = sorted(item["id"]["S"] for item in items)
    try:
        body = response.json()
    except ValueError:
        raise Fail(
            f"the body is not JSON: {response.text[:80]!r}",
            "send json.dumps(ids) as the body",
        ) from None
    if not isinstance(body, list):
        raise Fail(
            f"the body is a {type(body).__name__}, not a list: {response.text[:80]}",
            "send the list itself: json.dumps(sorted(ids))",
        )
    if body != expected:
        raise Fail(
            f"the body is {json.dumps(body)}, but the table {table} holds {json.dumps(expected)}",
            "scan the table named in DYNAMODB_APPS_TABLE and send the sorted ids: "
            "sorted(item['id']['S'] for item in items)",
        )


# -- 7.3: a setting per stage, with a default ------------------------------------------------
@exercise(
    "7.3",
    "Memory per stage, with a default",
    "the cell should only edit serverless.yml and deploy --stage prod",
)
def check_stages(answer: Any) -> None:
    aws = _sandbox()
    first = _load(answer, "7.3")
    memory = first.raw.data.get("provider", {}).get("memorySize")
    if "${" not in str(memory):
        if memory in (None, DEFAULT_MEMORY_MB) and "custom" not in first.raw.data:
            raise NotAttempted
        raise Fail(
            f"provider.memorySize is the fixed value {memory!r}, the same for every stage",
            "make it a variable: memorySize: ${self:custom.memory.${sls:stage}, 128}",
        )
    wanted = {"dev": DEFAULT_MEMORY_MB, "prod": PROD_MEMORY_MB, OTHER_STAGE: DEFAULT_MEMORY_MB}
    for stage, mb in wanted.items():
        service = _load(answer, "7.3", stage)
        wrong = {k: fn.memory_mb for k, fn in service.functions.items() if fn.memory_mb != mb}
        if wrong:
            got = ", ".join(f"{k}: {v} MB" for k, v in wrong.items())
            raise Fail(
                f"with --stage {stage} the functions should get {mb} MB, but got {got}",
                "prod: 512 under custom.memory, and 128 as the default after the comma: "
                "${self:custom.memory.${sls:stage}, 128}",
            )
    prod = _load(answer, "7.3", "prod")
    lam = aws.client("lambda", region_name=prod.region)
    for fn in prod.functions.values():
        try:
            config = lam.get_function_configuration(FunctionName=fn.name)
        except lam.exceptions.ResourceNotFoundException:
            raise Fail(
                f"the stage prod is not deployed ({fn.name} does not exist)",
                f"sls('deploy --stage prod', service='{SERVICE}'): a stage is a stack of its own",
            ) from None
        if config["MemorySize"] != PROD_MEMORY_MB:
            raise Fail(
                f"{fn.name} runs with {config['MemorySize']} MB",
                "deploy prod again after editing serverless.yml: sls('deploy --stage prod', ...)",
            )
