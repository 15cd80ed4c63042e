"""Checks for notebook 09 (the demo API): the deployed ``apps`` service, driven over HTTP.

The notebook deploys the demo service (``service/``, stack ``serverless-test-dev``) into its
sandbox. Every check reads what is deployed there: the stage's address from the stack's
outputs, the ``workshop-key`` API key, the ``JWT_SECRET`` and table name the functions run
with. Requests go over HTTP through the usage plan, so a check costs a few of its tokens
(the notebook refills the bucket with ``aws.clock.advance(1)`` before each check).

9.1 calls the learner's ``all_releases(limit)`` and compares its pairs with the table,
counting the pages it fetched in ``apps-list``'s log. 9.2 reads the learner's token with
the service's secret (a 401 has a reason: expired, forged, unreadable), then sends a
create with it, which the authorizer must refuse with 403. 9.3 takes the service folder:
the body of ``get_release`` is written in ``apps/get_release.py``, the service is deployed,
and the route's own tests pass (``python -m pytest -m exercise`` in the folder, run by
notebook 08's ``workshop_lib.testing.run_suite``); then it deploys that one function and
calls the route for a release that exists and one that does not. The release it creates for
that is deleted again, so a check can run again and again.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshop_lib import seams
from workshop_lib.exercises import Fail, NotAttempted, exercise
from workshop_lib.exercises.common import require_function, running_sandbox

#: The notebook's service: its folder, stack, region and API key.
SERVICE = "service"
#: The service from a terminal JupyterLab opens (in the course folder, the course's python first)
IN_TERMINAL = "cd notebooks/service && python -m pytest"
STACK = "serverless-test-dev"
REGION = "eu-west-1"
KEY_NAME = "workshop-key"
WRITE_SCOPE = "apps:write"
#: 9.1: the page size the check asks for.
PAGE = 2
#: 9.2: the create the learner's token must not be allowed to send.
REFUSED_CREATE = {"id": "exercise-9-2", "release": 1, "version": "1.0.0"}
#: 9.3: the route, its file, what the learner's copy has instead of a body, and the release
#: the check creates (and deletes again) to read it back.
ROUTE_FILE = "apps/get_release.py"
ROUTE_FUNCTION = "apps-release-get"
STUB = 'raise NotImplementedError("# your answer here")'
ROUTE_APP, ROUTE_RELEASE = "exercise-9-3", 7
ROUTE_BODY = {"id": ROUTE_APP, "release": ROUTE_RELEASE, "version": "7.0.0", "notes": "check 9.3"}
TESTS_TIMEOUT_S = 300
REFILL_HINT = "the usage plan's bucket is empty: run aws.clock.advance(1), then check again"


# -- what is deployed ----------------------------------------------------------------------
@dataclass
class Deployed:
    """The service's stage in the running sandbox, as a client and the checks see it."""

    aws: Any
    endpoint: str
    api_key: str
    secret: str
    table: str

    def function(self, key: str) -> str:
        """``apps-list`` → ``serverless-test-dev-apps-list``."""
        return f"{STACK}-{key}"

    def request(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        import requests

        headers = {"x-api-key": self.api_key}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.endpoint + path, headers=headers, timeout=30, **kwargs)

    def token(self, sub: str, scopes: list[str], ttl_s: int = 600) -> str:
        """A token the service's authorizer accepts (what ``auth.tokens.mint`` makes)."""
        import jwt

        now = int(time.time())
        claims = {"sub": sub, "scope": " ".join(scopes), "iat": now, "exp": now + ttl_s}
        return jwt.encode(claims, self.secret, algorithm="HS256")


def _sandbox() -> Any:
    return running_sandbox(
        "the service is not deployed anywhere",
        "run the notebook from the top: aws = sandbox(region='eu-west-1', "
        "clock='virtual').start() is near the top, then the 'Deploy' cells",
    )


def deployed(stack: str = STACK, region: str = REGION) -> Deployed:
    """The deployed stage of the demo service, or a Fail that says how to deploy it."""
    aws = _sandbox()
    cf = aws.client("cloudformation", region_name=region)
    not_deployed = Fail(
        f"the service is not deployed (no stack {stack} in {region})",
        f"run the cells of 'Deploy' above: sls('deploy', service='{SERVICE}')",
    )
    try:
        stacks = cf.describe_stacks(StackName=stack)["Stacks"]
    except cf.exceptions.ClientError:
        raise not_deployed from None
    if not stacks or stacks[0]["StackStatus"].startswith("DELETE"):
        raise not_deployed
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    apigw = aws.client("apigateway", region_name=region)
    keys = apigw.get_api_keys(includeValues=True, limit=500).get("items", [])
    key = next((k for k in keys if k["name"] == KEY_NAME), None)
    lam = aws.client("lambda", region_name=region)
    try:
        config = lam.get_function_configuration(FunctionName=f"{stack}-authorize")
    except lam.exceptions.ResourceNotFoundException:
        raise not_deployed from None
    variables = config.get("Environment", {}).get("Variables", {})
    if "ServiceEndpoint" not in outputs or key is None or "JWT_SECRET" not in variables:
        raise not_deployed
    return Deployed(
        aws,
        outputs["ServiceEndpoint"],
        key["value"],
        variables["JWT_SECRET"],
        variables.get("DYNAMODB_APPS_TABLE", "apps-dev"),
    )


def _throttled(response: Any, what: str) -> None:
    if response.status_code == 429:
        raise Fail(f"{what} answered 429 {response.text.strip()}", REFILL_HINT)


def _table_pairs(service: Deployed) -> list[tuple[str, int]]:
    ddb = service.aws.client("dynamodb", region_name=REGION)
    pairs: list[tuple[str, int]] = []
    for page in ddb.get_paginator("scan").paginate(TableName=service.table):
        pairs += [(item["id"]["S"], int(item["release"]["N"])) for item in page["Items"]]
    return sorted(pairs)


def _invocations(service: Deployed, key: str) -> int:
    """How often a function has run so far: the START lines in its CloudWatch log."""
    logs = service.aws.client("logs", region_name=REGION)
    group = f"/aws/lambda/{service.function(key)}"
    count = 0
    try:
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
            count += sum(e["message"].startswith("START ") for e in page["events"])
    except logs.exceptions.ResourceNotFoundException:
        return 0
    return count


# -- 9.1: every page of GET /apps ------------------------------------------------------------
@exercise(
    "9.1",
    "Every page of GET /apps",
    "print one page first: requests.get(endpoint + '/apps', params={'limit': 2}, "
    "headers=KEY).json(); a 429 means the usage plan's bucket is empty (aws.clock.advance(1))",
)
def check_all_releases(answer: Any) -> None:
    require_function(answer, "9.1", "all_releases")
    service = deployed()
    expected = _table_pairs(service)
    if len(expected) <= PAGE:
        raise Fail(
            f"the table holds only {len(expected)} releases, too few for a second page",
            "run the cells of 'Driving the API' above: they create four releases",
        )
    before = _invocations(service, "apps-list")
    with _recorded(service.endpoint) as exchanges:
        try:
            got = answer(PAGE)
        except Exception:
            _refused(exchanges)  # a refused request explains the error, if there was one
            raise
    pages = _invocations(service, "apps-list") - before
    try:
        _compare_releases(got, expected, pages)
    except Fail:
        _refused(exchanges)  # a wrong answer after a refused request: the refusal says why
        raise


def _compare_releases(got: Any, expected: list[tuple[str, int]], pages: int) -> None:
    pairs = _pairs(got)
    if any(isinstance(release, str) and release.isdigit() for _, release in pairs):
        raise Fail(
            "the releases are strings, like '1'",
            "keep item['release'] as it is: a JSON number arrives as an int",
        )
    if len(set(pairs)) < len(pairs):
        twice = sorted({p for p in pairs if pairs.count(p) > 1})
        raise Fail(
            f"some releases came twice, e.g. {twice[0]}: the same page was fetched again",
            "send the nextCursor of the page you just read as ?cursor= for the next one",
        )
    missing = sorted(set(expected) - set(pairs))
    if missing:
        raise Fail(
            f"got {len(pairs)} of the {len(expected)} releases in the table "
            f"(missing e.g. {missing[0]})",
            "keep asking while the page's nextCursor is not None, with "
            "params={'limit': limit, 'cursor': cursor}",
        )
    extra = sorted(set(pairs) - set(expected))
    if extra:
        raise Fail(
            f"{extra[0]} is not in the table",
            "return the (item['id'], item['release']) of the items of every page, nothing else",
        )
    needed = math.ceil(len(expected) / PAGE)
    if pages < needed:
        raise Fail(
            f"all_releases({PAGE}) fetched {len(expected)} releases in {pages} request(s); "
            f"{needed} pages of {PAGE} were expected",
            "ask for `limit` items a page: params={'limit': limit, ...}",
        )


@dataclass(frozen=True)
class Exchange:
    """One request the learner's function sent to the stage, and the status it got."""

    method: str
    url: str
    headers: dict[str, str]
    status: int
    body: str

    @property
    def query(self) -> dict[str, list[str]]:
        from urllib.parse import parse_qs, urlsplit

        return parse_qs(urlsplit(self.url).query)

    @property
    def shown(self) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        stage_path = parts.path.split("/", 2)[-1]  # /dev/apps -> apps
        return f"{self.method} /{stage_path}" + (f"?{parts.query}" if parts.query else "")


@dataclass
class Recorder:
    """The requests the learner's function sends to the stage at ``endpoint`` (the holder of
    the ``nb09`` seam on ``requests.Session.send``, declared in workshop_lib/seams.py)."""

    endpoint: str
    seen: list[Exchange] = field(default_factory=list)


def recording(original: Any) -> Any:
    """``requests.Session.send`` (``original``) that also records, for the installed
    :class:`Recorder`, each exchange with its stage (every ``requests.get`` ends there)."""

    def send(session: Any, request: Any, **kwargs: Any) -> Any:
        response = original(session, request, **kwargs)
        recorder = seams.holder("nb09")
        if recorder is not None and str(request.url).startswith(recorder.endpoint):
            headers = {str(k).lower(): str(v) for k, v in request.headers.items()}
            text = response.text.strip()[:120]
            exchange = Exchange(request.method, request.url, headers, response.status_code, text)
            recorder.seen.append(exchange)
        return response

    return send


@contextlib.contextmanager
def _recorded(endpoint: str) -> Iterator[list[Exchange]]:
    """Record the requests sent to the stage through ``requests`` while the learner's
    function runs; ``requests`` is as it was afterwards."""
    recorder = Recorder(endpoint)
    seams.install("nb09", recorder)
    try:
        yield recorder.seen
    finally:
        seams.uninstall("nb09", recorder)


def _refused(exchanges: list[Exchange]) -> None:
    """Fail naming the first request the stage refused, and why, if there is one."""
    refused = next((e for e in exchanges if e.status >= 400), None)
    if refused is None:
        return
    what = f"{refused.shown} answered {refused.status} {refused.body}"
    if refused.status == 403 and "x-api-key" not in refused.headers:
        raise Fail(
            f"{what}: the request had no x-api-key header, and the usage plan lets nothing "
            "in without its key",
            "send the key with every request: requests.get(endpoint + '/apps', params=..., "
            "headers=KEY)",
        )
    if refused.status == 403:
        raise Fail(
            f"{what}: the x-api-key sent is not the stage's key",
            "send headers=KEY, the key the notebook read from the stage",
        )
    if refused.status == 429:
        first_pages = [e for e in exchanges if "cursor" not in e.query]
        if len(first_pages) > 1:
            raise Fail(
                f"your function asked for the first page {len(first_pages)} times (no "
                f"?cursor=): it never sent the nextCursor it got, so it read page one again "
                f"and again until the usage plan refused it: {what}",
                "send the cursor of the page you just read with the next request: "
                "params={'limit': limit, 'cursor': cursor}",
            )
        raise Fail(f"{what} after {len(exchanges)} request(s)", REFILL_HINT)
    raise Fail(
        what,
        "print that page: requests.get(endpoint + '/apps', params={'limit': 2}, "
        "headers=KEY).json() shows the problem; the cursor is the page's nextCursor, as it is",
    )


def _pairs(got: Any) -> list[tuple[Any, Any]]:
    if got is None:
        raise Fail(
            "all_releases returned None",
            "collect the pairs in a list and return it after the last page",
        )
    if isinstance(got, (str, bytes, dict)) or not hasattr(got, "__iter__"):
        raise Fail(
            f"expected a list of (id, release) pairs, got {type(got).__name__}",
            "return a list like [('weather', 1), ('weather', 2), ...]",
        )
    pairs = []
    for pair in got:
        if isinstance(pair, dict):
            raise Fail(
                "the list holds whole items (dicts), not (id, release) pairs",
                "(item['id'], item['release']) for item in page['items']",
            )
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise Fail(
                f"{pair!r} is not an (id, release) pair",
                "(item['id'], item['release']) for item in page['items']",
            )
        pairs.append(tuple(pair))
    return pairs


# -- 9.2: a genuine token that may not write -----------------------------------------------
@exercise(
    "9.2",
    "A token that may read but not write",
    "mint(sub, scopes, secret) makes a token: the cell above used it for alice",
)
def check_reader_token(answer: Any) -> None:
    import jwt

    if not isinstance(answer, str):
        raise Fail(
            f"expected the token (a string), got {type(answer).__name__}",
            "check('9.2', token) with token = mint(...), the string itself",
        )
    token = answer.strip()
    if token.lower().startswith("bearer "):
        token = token[len("bearer ") :].strip()
    service = deployed()
    try:
        claims = jwt.decode(
            token, service.secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
        )
    except jwt.ExpiredSignatureError:
        raise Fail(
            "the token has expired: the authorizer refuses it with 401 before it looks at "
            "the scopes",
            "mint it with a positive ttl_s (the default, 3600, is fine)",
        ) from None
    except jwt.InvalidSignatureError:
        raise Fail(
            "the token is not signed with the service's JWT_SECRET: the authorizer cannot "
            "trust it (401)",
            "sign it with SECRET, the secret the functions run with",
        ) from None
    except jwt.MissingRequiredClaimError as e:
        raise Fail(
            f"the token has no '{e.claim}' claim: the authorizer refuses it (401)",
            "mint(sub, scopes, secret) sets sub and exp for you",
        ) from None
    except jwt.InvalidTokenError:
        raise Fail(
            "the authorizer cannot read this as a JWT signed with HS256 (401)",
            "mint('bob', scopes, secret=SECRET) from auth.tokens makes one",
        ) from None
    scopes = str(claims.get("scope", "")).split()
    if WRITE_SCOPE in scopes:
        raise Fail(
            f"the token has the {WRITE_SCOPE} scope, so the authorizer allows the create (201)",
            f"give it other scopes, or none: everything but {WRITE_SCOPE!r}",
        )
    response = service.request("POST", "/apps", token=token, json=REFUSED_CREATE)
    _throttled(response, "POST /apps")
    if response.status_code != 403:
        raise Fail(
            f"POST /apps with the token answered {response.status_code} "
            f"{response.text.strip()[:80]}, not 403",
            "a token signed with SECRET that has not expired, without apps:write",
        )


# -- 9.3: the route GET /apps/{id}/releases/{release} ---------------------------------------
@exercise(
    "9.3",
    "Complete the route GET /apps/{id}/releases/{release}",
    "check('9.3', SERVICE) with the service's folder; get_release goes in "
    "service/apps/get_release.py",
)
def check_route(answer: Any) -> None:
    folder = _service_folder(answer)
    source = (folder / ROUTE_FILE).read_text(encoding="utf-8")
    if STUB in source:
        raise NotAttempted
    service = deployed()
    _route_tests_pass(folder)
    _deploy_route(folder, service.aws)
    writer = service.token("check-9.3", [WRITE_SCOPE])
    created = service.request("POST", "/apps", token=writer, json=ROUTE_BODY)
    _throttled(created, "POST /apps (the check's own release)")
    if created.status_code not in (201, 409):
        raise Fail(
            f"the check could not store a release to read: POST /apps answered "
            f"{created.status_code}",
            "deploy the whole service again: sls('deploy', service=SERVICE)",
        )
    try:
        _read_back(service)
    finally:
        service.request("DELETE", f"/apps/{ROUTE_APP}/releases/{ROUTE_RELEASE}", token=writer)


def _service_folder(answer: Any) -> Path:
    if not isinstance(answer, (str, Path)):
        raise Fail(
            f"expected the service's folder, got {type(answer).__name__}",
            f"check('9.3', '{SERVICE}')",
        )
    folder = Path(answer)
    if not (folder / "serverless.yml").is_file() or not (folder / ROUTE_FILE).is_file():
        raise Fail(
            f"{folder.name!r} is not the demo service's folder (no serverless.yml and "
            f"{ROUTE_FILE} in it)",
            f"check('9.3', '{SERVICE}'): the folder next to this notebook",
        )
    return folder


def _route_tests_pass(folder: Path) -> None:
    """The unit and integration tests marked ``exercise`` pass, run as a learner would
    (``python -m pytest -m exercise`` in the folder), in a process of its own. The HTTP
    layer's test is left out: the check's next step calls the deployed route itself, in the
    notebook's stage, instead of starting a server of its own (3-4 s less to wait)."""
    from workshop_lib.testing import LAYERS, run_suite

    try:
        result = run_suite(
            folder, "-m", "exercise", "tests/unit", "tests/integration", timeout_s=TESTS_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise Fail(
            f"the route's tests did not finish in {TESTS_TIMEOUT_S} s",
            "look for a loop that never ends in get_release; in a terminal: "
            f"{IN_TERMINAL} -m exercise -x",
        ) from None
    if any(t.outcome == "error" and t.message.startswith("collection") for t in result.tests):
        raise Fail(
            f"the route's tests could not import the service: {_import_error(result.output)}",
            f"fix that line and check again (in a terminal: {IN_TERMINAL} -m exercise -x)",
        )
    ran = [t for t in result.tests if t.outcome != "skipped"]
    # unit tests first: their assertion says the most about the handler itself
    order = {layer: rank for rank, layer in enumerate(LAYERS)}
    failed = sorted(
        (t for t in ran if t.outcome in ("failed", "error")),
        key=lambda t: order.get(t.layer, len(order)),
    )
    if failed:
        _explain_failed_test(failed, len(ran))
    if not ran:
        raise Fail(
            f"none of the route's tests ran ({result.summary()[:120]})",
            f"run them in a terminal to see why: {IN_TERMINAL} -m exercise",
        )


@dataclass(frozen=True)
class RouteTest:
    """What one of the route's tests sends get_release, what it wants back, and the step
    (usually a helper of ``apps/``) that makes it pass."""

    request: str  # {param}: the test's parameter
    wanted: str
    fix: str


_BY_ID = "pass the id through logic.check_app_id(params.get('id')): it raises the 400 for an id "
_BY_ID += "that is not an app id ('..', '/', too long...), as in apps/get_app.py"
_BY_RELEASE = "pass the release through logic.parse_release(params.get('release')): it raises "
_BY_RELEASE += "the 400 for anything but a whole number from 1 up"
_FOUND = "answer http.json_response(200, item) with the item repository.get(app_id, release) "
_FOUND += "returned, and http.error_response(404, ...) when it returned None"
#: 9.3: the route's tests, by test function and the status the failed assert wanted.
ROUTE_TESTS: dict[tuple[str, str], RouteTest] = {
    ("test_bad_ids_are_400_on_every_id_route", "400"): RouteTest(
        "GET /apps/{param}/releases/1", "400 'Invalid app id'", _BY_ID
    ),
    ("test_a_non_integer_release_is_400", "400"): RouteTest(
        "GET /apps/my-app/releases/{param}", "400 naming the field 'release'", _BY_RELEASE
    ),
    ("test_get_release_and_404", "200"): RouteTest(
        "GET /apps/my-app/releases/2, a stored release,", "200 with the release", _FOUND
    ),
    ("test_get_release_and_404", "404"): RouteTest(
        "GET /apps/my-app/releases/9, a release that is not stored,", "404", _FOUND
    ),
    ("test_get_and_delete_a_release", "404"): RouteTest(
        "GET /apps/app/releases/2 on a DynamoDB table without it", "404", _FOUND
    ),
    ("test_every_response_is_cors_json", ""): RouteTest(
        "GET /apps/my-app/releases/1",
        "JSON with the CORS header",
        "build every answer with http.json_response / http.error_response: they set "
        "Content-Type and Access-Control-Allow-Origin",
    ),
    ("test_a_failing_repository_is_a_bare_500", "500"): RouteTest(
        "GET /apps/my-app/releases/1 with a repository that fails",
        "a bare 500",
        "keep @http.api_handler above get_release and let the repository's error through: "
        "it logs it and answers a bare 500",
    ),
    ("test_without_injection_the_handler_builds_the_default_repository", "200"): RouteTest(
        "GET /apps/my-app/releases/1 called as Lambda calls it (two arguments)",
        "200 from default_repository()",
        "read with (repository or default_repository()).get(app_id, release)",
    ),
}
_ASSERTED = re.compile(r"assert (\d{3}) == (\d{3})")


def _explain_failed_test(failed: list[Any], ran: int) -> None:
    """Fail with the first failed test as a request: what it sent, what get_release answered
    instead of what, and the helper that fixes it; tests the table does not know are named
    with their own assertion."""
    first = failed[0]
    says = (first.message.strip().splitlines() or ["(no message)"])[0][:200]
    count = f"{len(failed)} of the route's {ran} tests failed; the first is {first.nodeid}"
    terminal = f"check again (in a terminal: {IN_TERMINAL} -m exercise -x)"
    name, _, param = first.nodeid.split("::")[-1].partition("[")
    asserted = _ASSERTED.search(first.message)
    got, wanted = asserted.groups() if asserted else ("", "")
    known = ROUTE_TESTS.get((name, wanted)) or ROUTE_TESTS.get((name, ""))
    if known is None:
        raise Fail(count, f"it says: {says} — fix get_release and {terminal}")
    shown = _tested_value(first.message) or param.rstrip("]")
    request = known.request.format(param=shown)
    answered = f"answered {got}" if got else f"failed: {says}"
    alike = [t for t in failed[1:] if t.nodeid.split("::")[-1].partition("[")[0] == name]
    also = f" (and {len(alike)} more like it)" if alike else ""
    raise Fail(
        f"{count}: {request} {answered}, not {known.wanted}{also}",
        f"{known.fix}; then {terminal}",
    )


def _tested_value(message: str) -> str:
    """The value a test names in its assertion message: ``('get_release', '..')`` → ``..``."""
    found = re.match(r"AssertionError: \('get_release', '(.*)'\)", message)
    return found.group(1) if found else ""


def _import_error(output: str) -> str:
    """``apps/get_release.py, line 21: SyntaxError: ...``: why a test module did not import."""
    lines = [line[1:].strip() for line in output.splitlines() if line.startswith("E ")]
    error = next((line for line in reversed(lines) if line), "the import failed")
    place = re.findall(r'File "(?:.*/)?([^/"]+/[^/"]+\.py)", line (\d+)', output)
    return f"{place[-1][0]}, line {place[-1][1]}: {error}" if place else error


def _deploy_route(folder: Path, aws: Any) -> None:
    """``deploy function -f apps-release-get``: the learner's code, live in the stage."""
    from workshop_lib.framework import ConfigError, Service
    from workshop_lib.framework.deploy import DeployError, deploy_function

    try:
        deploy_function(Service.load(folder), aws, ROUTE_FUNCTION, out=lambda _: None)
    except (ConfigError, DeployError) as exc:
        raise Fail(
            f"the check could not deploy {ROUTE_FUNCTION}: {exc}",
            f"deploy the whole service: sls('deploy', service='{SERVICE}')",
        ) from None


def _read_back(service: Deployed) -> None:
    path = f"/apps/{ROUTE_APP}/releases/{ROUTE_RELEASE}"
    found = service.request("GET", path)
    _throttled(found, f"GET {path}")
    if found.status_code != 200:
        raise Fail(
            f"GET {path}, a release that exists, answered {found.status_code} "
            f"{found.text.strip()[:80]}",
            f"sls('logs -f {ROUTE_FUNCTION}', service=SERVICE) shows what the function did",
        )
    body = _json(found)
    wanted = {k: ROUTE_BODY[k] for k in ("id", "release", "version")}
    got = {k: body.get(k) for k in wanted} if isinstance(body, dict) else body
    if got != wanted:
        raise Fail(
            f"GET {path} answered {json.dumps(got)}, not the stored release {json.dumps(wanted)}",
            "answer http.json_response(200, item) with the item the repository returned",
        )
    missing_path = f"/apps/{ROUTE_APP}/releases/{ROUTE_RELEASE + 1}"
    missing = service.request("GET", missing_path)
    _throttled(missing, f"GET {missing_path}")
    message = f"Release {ROUTE_RELEASE + 1} of app '{ROUTE_APP}' not found"
    body = _json(missing)
    if missing.status_code != 404 or not isinstance(body, dict) or body.get("message") != message:
        raise Fail(
            f"GET {missing_path}, a release that does not exist, answered "
            f"{missing.status_code} {missing.text.strip()[:80]}",
            f"answer http.error_response(404, ...) with the message {message!r}",
        )


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
