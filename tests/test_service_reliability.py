"""Reliability of the demo service (issue #7, item 4) over HTTP, deployed in the sandbox.

One deployment of ``solutions/service`` for the module (copied to a tmp dir first), served
on 127.0.0.1. The usage plan (10 requests/s, bursts of 10, 1,000 a day) is enforced on the
sandbox clock, so the sandbox runs on a frozen virtual clock and :class:`Pacer` advances it
0.11 s before every request made with the key (one throttle token each) and by a day every
900 of them (a fresh quota): the fuzzer's requests are judged by the service, not starved
by 429s. ``test_the_usage_plan_throttles_a_burst`` checks the 429 on its own.

Run ``pytest -s tests/test_service_reliability.py`` to see the fuzzer's status counts.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import shutil
import threading
from collections import Counter
from pathlib import Path

import boto3
import pytest
import requests

from tests.service_helpers import (
    GATEWAY_MAX_BODY,
    MAX_BODY_BYTES,
    SERVICE_PREFIX,
    Fuzzer,
    RawClient,
    bad_authorizations,
    claims,
    forbidden_authorizations,
    hs256,
    leaks,
)
from workshop_lib import sandbox
from workshop_lib.framework import deploy
from workshop_lib.framework.service import Service

SERVICE = Path(__file__).resolve().parent.parent / "solutions" / "service"
SEED = 20240704
FUZZ_REQUESTS = 1000
DAY_S = 86_400.0


class Pacer:
    """Keeps a key under its usage plan on the frozen sandbox clock."""

    def __init__(self, aws) -> None:
        self.aws, self.sent = aws, 0

    def __call__(self) -> None:
        self.sent += 1
        if self.sent % 900 == 0:
            self.aws.clock.advance(DAY_S)  # the quota (1,000 a day) starts again
        self.aws.clock.advance(0.11)  # rateLimit 10/s: one throttle token (0.1 s + float slack)

    def full_burst(self) -> None:
        self.aws.clock.advance(5.0)  # burstLimit 10 at 10/s: the bucket is full again


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reliability") / "service"
    shutil.copytree(
        SERVICE, folder, ignore=shutil.ignore_patterns(".serverless", "__pycache__", ".*cache")
    )
    service = Service.load(folder, env={})
    secret = service.function("apps-create").environment["JWT_SECRET"]
    with sandbox(region="eu-west-1", clock="virtual") as aws:
        aws.shared_by_module = True  # one deployment for this module's tests (conftest.py)
        result = deploy.deploy(service, aws, out=lambda line: None)
        url = aws.serve_api(result.info.rest_api_id, service.stage)
        other = _other_api_and_keys(aws)
        yield {
            "aws": aws,
            "url": url,
            "key": result.info.api_keys["workshop-key"],
            "secret": secret,
            "pace": Pacer(aws),
            "folder": folder,
            **other,
        }


def _other_api_and_keys(aws) -> dict[str, str]:
    """A second API with its own usage plan and key, a key in no plan, a disabled key."""
    apigw = boto3.client("apigateway")
    api_id = apigw.create_rest_api(name="other-api")["id"]
    root = next(r for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    ping = apigw.create_resource(restApiId=api_id, parentId=root["id"], pathPart="ping")["id"]
    apigw.put_method(
        restApiId=api_id,
        resourceId=ping,
        httpMethod="GET",
        authorizationType="NONE",
        apiKeyRequired=True,
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=ping,
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(restApiId=api_id, resourceId=ping, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=ping,
        httpMethod="GET",
        statusCode="200",
        responseTemplates={"application/json": '{"pong": true}'},
    )
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    plan = apigw.create_usage_plan(name="other-plan", apiStages=[{"apiId": api_id, "stage": "dev"}])
    other_key = apigw.create_api_key(name="other-key", enabled=True)
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=other_key["id"], keyType="API_KEY")
    loose_key = apigw.create_api_key(name="loose-key", enabled=True)  # in no usage plan
    [our_plan] = [p for p in apigw.get_usage_plans()["items"] if p["id"] != plan["id"]]
    disabled = apigw.create_api_key(name="disabled-key", enabled=False)
    apigw.create_usage_plan_key(usagePlanId=our_plan["id"], keyId=disabled["id"], keyType="API_KEY")
    return {
        "other_url": aws.serve_api(api_id, "dev"),
        "other_key": other_key["value"],
        "loose_key": loose_key["value"],
        "disabled_key": disabled["value"],
    }


@contextlib.contextmanager
def _roomier(aws, concurrency: int, burst: int):
    """AWS's default Lambda concurrency (the sandbox's is 10) and a plan admitting ``burst``
    requests at once, for a while: as an account with a raised quota would configure it."""
    pool = aws.plugin("lambda").pool
    gateway = boto3.client("apigateway")
    (plan,) = [p for p in gateway.get_usage_plans()["items"] if p["name"] == "serverless-test-dev"]
    saved = pool.account_concurrency, plan["throttle"]["burstLimit"]

    def burst_limit(value: int) -> None:
        operation = {"op": "replace", "path": "/throttle/burstLimit", "value": str(value)}
        gateway.update_usage_plan(usagePlanId=plan["id"], patchOperations=[operation])

    pool.account_concurrency = concurrency
    burst_limit(burst)
    try:
        yield
    finally:
        pool.account_concurrency = saved[0]
        burst_limit(saved[1])


def _at_once(count: int, send) -> list[requests.Response]:
    """``send(session)`` from ``count`` threads released together by a barrier."""
    barrier = threading.Barrier(count)
    answers: list[requests.Response] = []
    lock = threading.Lock()

    def run() -> None:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            response = send(session)
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def _writer(api, sub: str = "tester") -> dict[str, str]:
    token = hs256(claims(sub=sub), api["secret"])
    return {"x-api-key": api["key"], "Authorization": f"Bearer {token}"}


def _message(response) -> str:
    """The error's message; fails unless the body is a JSON object with a string message."""
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("message"), str), response.text
    assert body["message"].strip(), response.text
    return body["message"]


# -- the fuzzer ------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_thousand_random_requests_get_no_5xx_no_leaks_and_lose_no_write(api, capsys):
    fuzzer = Fuzzer(
        random.Random(SEED),
        api["key"],
        api["secret"],
        other_keys=[api["other_key"], api["loose_key"], api["disabled_key"]],
    )
    client = RawClient(api["url"])
    statuses: Counter[int] = Counter()
    kinds: Counter[str] = Counter()
    problems: list[str] = []
    folder = str(api["folder"])
    for number in range(FUZZ_REQUESTS):
        case = fuzzer.next_case()
        api["pace"]()
        answer = client.send(case.method, case.path, case.headers, case.body)
        statuses[answer.status] += 1
        kinds[case.kind.split(":")[0].split("?")[0].split("-")[0]] += 1
        where = f"#{number} {case.describe()} -> {answer.status} {answer.text[:300]!r}"
        if answer.status >= 500:
            problems.append(f"5xx: {where}")
        if answer.status not in case.expect:
            problems.append(f"expected {sorted(case.expect)}: {where}")
        found = leaks(answer.text) + (["the service's folder"] if folder in answer.text else [])
        if found:
            problems.append(f"leaks {found}: {where}")
        if 400 <= answer.status < 500 and case.method != "HEAD":
            try:
                body = json.loads(answer.body)
                assert isinstance(body, dict) and isinstance(body.get("message"), str)
            except (ValueError, AssertionError):
                problems.append(f"4xx without a JSON message: {where}")
        if case.on_answer is not None and answer.status in case.expect:
            problems += [f"{p}: {where}" for p in case.on_answer(answer)]

    # nothing lost: every 201 still readable (and every 204'd release gone), item by item...
    for (app_id, release), body in sorted(fuzzer.ledger.items()):
        api["pace"]()
        answer = client.send("GET", f"/apps/{app_id}/releases/{release}", {"x-api-key": api["key"]})
        if answer.status != 200 or {k: answer.json().get(k) for k in body} != body:
            problems.append(f"lost write {body!r}: GET -> {answer.status} {answer.text[:200]!r}")
    for app_id, release in sorted(fuzzer.deleted):
        api["pace"]()
        answer = client.send("GET", f"/apps/{app_id}/releases/{release}", {"x-api-key": api["key"]})
        if answer.status != 404:
            problems.append(f"deleted {app_id}/{release} still there: {answer.status}")
    # ...and nothing extra: the listing holds exactly the ledger (no refused write stored)
    listed: set[tuple[str, int]] = set()
    cursor = ""
    while True:
        api["pace"]()
        answer = client.send("GET", f"/apps?limit=100{cursor}", {"x-api-key": api["key"]})
        assert answer.status == 200, answer.text
        page = answer.json()
        listed |= {(i["id"], i["release"]) for i in page["items"] if i["id"][:3] == SERVICE_PREFIX}
        if not page["nextCursor"]:
            break
        cursor = f"&cursor={page['nextCursor']}"
    client.close()
    if listed != set(fuzzer.ledger):
        problems.append(
            f"listing != ledger: missing {sorted(set(fuzzer.ledger) - listed)[:10]}, "
            f"extra {sorted(listed - set(fuzzer.ledger))[:10]}"
        )

    summary = (
        f"{FUZZ_REQUESTS} requests (seed {SEED}), status counts "
        f"{dict(sorted(statuses.items()))}; {len(fuzzer.ledger)} releases in the ledger, "
        f"{len(fuzzer.deleted)} deleted; kinds {dict(sorted(kinds.items()))}"
    )
    with capsys.disabled():
        print("\n" + summary)
    assert not problems, f"{len(problems)} problems; {summary}\n" + "\n".join(problems[:40])
    # the run must have exercised the service, not only the gateway's refusals
    assert statuses[201] >= 100 and statuses[409] >= 20 and statuses[400] >= 200, summary
    assert statuses[401] >= 50 and statuses[403] >= 100 and statuses[413] >= 5, summary
    assert statuses[200] >= 50 and statuses[204] >= 10 and statuses[404] >= 20, summary


# -- concurrency ------------------------------------------------------------------------------
def test_twenty_concurrent_creates_of_one_release_make_one_201_and_nineteen_409(api):
    """The conditional PutItem decides the race. Twenty at once need a plan whose burst admits
    them and more Lambda concurrency than the sandbox's 10 (see the next test): AWS's
    default quota, 1,000, and a burst of 20, for this test."""
    url, headers = api["url"], _writer(api, "racer")
    api["pace"]()
    warm = requests.post(f"{url}/apps", data=b"{}", headers=headers)  # caches the policy
    assert warm.status_code == 400, warm.text
    api["pace"].full_burst()
    numbers = itertools.count()

    def create(session: requests.Session) -> requests.Response:
        body = {"id": "race-app", "release": 7, "version": "1.0.0", "notes": str(next(numbers))}
        return session.post(f"{url}/apps", json=body, headers=headers, timeout=60)

    with _roomier(api["aws"], concurrency=1000, burst=20):
        answers = _at_once(20, create)
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {201: 1, 409: 19}, [(r.status_code, r.text) for r in answers]
    [winner] = [r.json() for r in answers if r.status_code == 201]
    for response in answers:
        if response.status_code == 409:
            assert _message(response) == "Release 7 of app 'race-app' already exists"
    api["pace"]()
    stored = requests.get(f"{url}/apps/race-app", headers={"x-api-key": api["key"]}).json()
    assert [r["release"] for r in stored["releases"]] == [7]
    assert stored["releases"][0]["notes"] == winner["notes"]  # the winner's write stays


def test_a_burst_past_the_plan_is_429_and_what_it_admits_fits_lambdas_concurrency(api):
    """The plan's burst (10) is at most the account's Lambda concurrency (10 in the sandbox):
    of twenty GETs at once, ten are admitted and all run (200), ten get API Gateway's 429.
    With a burst above the concurrency, Lambda would throttle the excess and API Gateway
    would answer 500 (tested in tests/test_apigateway.py)."""
    url, key = api["url"], api["key"]
    api["pace"].full_burst()
    with requests.Session() as session:  # a release to read
        api["pace"]()
        body = {"id": "burst-app", "release": 1, "version": "1.0.0"}
        created = session.post(f"{url}/apps", json=body, headers=_writer(api, "burster"))
        assert created.status_code == 201, created.text
    api["pace"].full_burst()

    def read(session: requests.Session) -> requests.Response:
        return session.get(f"{url}/apps/burst-app/releases/1", headers={"x-api-key": key})

    answers = _at_once(20, read)
    api["pace"].full_burst()
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {200: 10, 429: 10}, [(r.status_code, r.text) for r in answers]
    assert {_message(r) for r in answers if r.status_code == 429} == {"Too Many Requests"}


def test_the_usage_plan_throttles_a_burst_with_a_json_429(api):
    url, key = api["url"], api["key"]
    api["pace"].full_burst()
    with requests.Session() as session:
        statuses = [
            session.get(f"{url}/apps/fz-throttled", headers={"x-api-key": key}) for _ in range(25)
        ]
    assert [r.status_code for r in statuses] == [404] * 10 + [429] * 15
    assert {_message(r) for r in statuses[10:]} == {"Too Many Requests"}
    api["pace"].full_burst()


# -- oversized and malformed input ----------------------------------------------------------
def test_a_body_over_10_mb_is_refused_by_api_gateway_with_413(api):
    api["pace"]()
    response = requests.post(
        f"{api['url']}/apps", data=b" " * (GATEWAY_MAX_BODY + 1), headers=_writer(api)
    )
    assert response.status_code == 413 and _message(response) == "Request Too Long"


def test_the_service_takes_64_kb_and_refuses_one_byte_more(api):
    url, headers = api["url"], _writer(api)
    body = json.dumps({"id": "big-app", "release": 1, "version": "1.0.0"}).encode()
    exactly = body + b" " * (MAX_BODY_BYTES - len(body))
    over = body + b" " * (MAX_BODY_BYTES + 1 - len(body))
    api["pace"]()
    refused = requests.post(f"{url}/apps", data=over, headers=headers)
    assert refused.status_code == 413, refused.text
    assert _message(refused) == "Request body must be at most 65536 bytes"
    api["pace"]()
    taken = requests.post(f"{url}/apps", data=exactly, headers=headers)
    assert taken.status_code == 201, taken.text


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "Request body is required: a JSON object"),
        (b"not json", "Request body is not valid JSON"),
        (b"\x00\xff\xfe binary", "Request body is not valid JSON"),
        (b"[" * 20_000 + b"]" * 20_000, "Request body is not valid JSON"),
        (b'{"id": "a", "release": NaN, "version": "1.0.0"}', "Request body is not valid JSON"),
        (b'[{"id": "a"}]', "Request body must be a JSON object"),
        (b'{"id": "a", "release": "1", "version": "1.0.0"}', "Invalid request body"),
    ],
    ids=["empty", "text", "binary", "deep", "nan", "array", "string-release"],
)
def test_non_json_and_invalid_bodies_get_a_400_that_says_why(api, body, message):
    api["pace"]()
    response = requests.post(
        f"{api['url']}/apps",
        data=body,
        headers={**_writer(api), "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and _message(response) == message, response.text


@pytest.mark.parametrize(
    "app_id", ["é-app", "🚀", "\u202eppa", "a\x00b", "a/b", "..", "../../etc/passwd", "a..b"]
)
def test_unicode_nul_and_traversal_ids_in_a_body_are_refused(api, app_id):
    api["pace"]()
    body = {"id": app_id, "release": 1, "version": "1.0.0"}
    response = requests.post(f"{api['url']}/apps", json=body, headers=_writer(api))
    assert response.status_code == 400 and _message(response) == "Invalid request body"
    assert [e["field"] for e in response.json()["errors"]] == ["id"]


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/apps/%C3%A9-app", 400, "Invalid app id"),
        ("/apps/%F0%9F%9A%80/releases/1", 400, "Invalid app id"),
        ("/apps/a%00b", 400, "Invalid app id"),
        ("/apps/..", 400, "Invalid app id"),
        ("/apps/%2e%2e", 400, "Invalid app id"),
        ("/apps/%2e%2e%2f%2e%2e%2fetc%2fpasswd", 400, "Invalid app id"),
        ("/apps/..%2F..%2Fapps", 400, "Invalid app id"),
        ("/apps/race-app/releases/..", 400, "Invalid release"),
        ("/apps/race-app/releases/%D9%A7", 400, "Invalid release"),  # an Arabic-Indic 7
        ("/apps/../../etc/passwd", 403, "Missing Authentication Token"),
        ("/apps/race-app/releases/../../../apps", 403, "Missing Authentication Token"),
    ],
)
def test_traversal_and_unicode_in_paths_get_a_clear_4xx(api, path, status, message):
    client = RawClient(api["url"])  # sends the path as is (requests would resolve "..")
    api["pace"]()
    answer = client.send("GET", path, _reader(api))
    assert (answer.status, answer.json()["message"]) == (status, message), answer.text
    assert not leaks(answer.text)
    if "/releases/" in path:  # the route DELETE has (/apps/{id} has none: 403 from the gateway)
        api["pace"]()
        answer = client.send("DELETE", path, _writer(api))
        assert (answer.status, answer.json()["message"]) == (status, message), answer.text
        assert not leaks(answer.text)
    client.close()


# -- refused writes ------------------------------------------------------------------------
WRITES = [
    ("POST", "/apps", {"id": "guarded-app", "release": 1, "version": "1.0.0"}),
    ("DELETE", "/apps/guarded-app/releases/1", None),
]


@pytest.fixture(scope="module")
def guarded(api):
    """A release that refused DELETEs must leave in place (and that no POST may replace)."""
    api["pace"]()
    body = {"id": "guarded-app", "release": 1, "version": "1.0.0", "notes": "original"}
    created = requests.post(f"{api['url']}/apps", json=body, headers=_writer(api))
    assert created.status_code == 201, created.text
    yield body
    api["pace"]()
    after = requests.get(f"{api['url']}/apps/guarded-app/releases/1", headers=_reader(api))
    assert after.status_code == 200 and after.json()["notes"] == "original", after.text


def _reader(api) -> dict[str, str | bytes]:
    return {"x-api-key": api["key"]}


@pytest.mark.parametrize("method, path, body", WRITES, ids=["POST", "DELETE"])
@pytest.mark.parametrize(
    "token",
    ["missing", *bad_authorizations("-")],
)
def test_writes_with_a_missing_expired_or_badly_signed_token_get_401(
    api, guarded, method, path, body, token
):
    headers = _reader(api)
    if token != "missing":
        headers["Authorization"] = bad_authorizations(api["secret"])[token]
    api["pace"]()
    response = requests.request(method, f"{api['url']}{path}", json=body, headers=headers)
    assert response.status_code == 401 and _message(response) == "Unauthorized", response.text


@pytest.mark.parametrize("method, path, body", WRITES, ids=["POST", "DELETE"])
@pytest.mark.parametrize("token", list(forbidden_authorizations("-")))
def test_writes_with_a_valid_token_without_the_write_scope_get_403(
    api, guarded, method, path, body, token
):
    headers = {**_reader(api), "Authorization": forbidden_authorizations(api["secret"])[token]}
    api["pace"]()
    response = requests.request(method, f"{api['url']}{path}", json=body, headers=headers)
    assert response.status_code == 403, response.text
    assert _message(response).startswith("User is not authorized to access this resource")


@pytest.mark.parametrize("method, path, body", WRITES, ids=["POST", "DELETE"])
@pytest.mark.parametrize("key", ["none", "other_key", "loose_key", "disabled_key", "made-up"])
def test_writes_with_another_apis_key_or_no_key_get_403(api, guarded, method, path, body, key):
    headers = _writer(api)
    if key == "none":
        del headers["x-api-key"]
    else:
        headers["x-api-key"] = api.get(key, key)
    response = requests.request(method, f"{api['url']}{path}", json=body, headers=headers)
    assert response.status_code == 403 and _message(response) == "Forbidden", response.text


def test_the_other_apis_key_is_valid_on_its_own_api(api):
    response = requests.get(f"{api['other_url']}/ping", headers={"x-api-key": api["other_key"]})
    assert response.status_code == 200 and response.json() == {"pong": True}
    refused = requests.get(f"{api['other_url']}/ping", headers={"x-api-key": api["key"]})
    assert refused.status_code == 403 and _message(refused) == "Forbidden"
