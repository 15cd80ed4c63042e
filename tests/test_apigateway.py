"""API Gateway in the sandbox: served REST APIs, proxy events, errors, keys, authorizers."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.apigateway_helpers import ECHO, Api, echo_api, lambda_uri, slow_functions
from tests.apigateway_test_data import AUTHORIZER_SOURCE
from tests.lambda_helpers import create
from workshop_lib import sandbox


@pytest.fixture
def aws():
    with sandbox(clock="virtual") as box:
        yield box


def test_a_deployed_stage_is_answered_in_process_and_over_http(aws):
    api, _ = echo_api(aws)
    url = api.deploy("dev")
    response = requests.get(f"{url}/apps/42?tag=a&tag=b", headers={"X-Trace": "t1"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    event = response.json()
    assert event["resource"] == "/apps/{id}" and event["path"] == "/apps/42"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["path"] == "/dev/apps/42"
    assert event["headers"]["X-Trace"] == "t1"
    base = aws.serve_api(api.id, "dev")
    assert base.startswith("http://127.0.0.1:") and base.endswith("/dev")
    assert aws.serve_api(api.id, "dev") == base  # one server per stage
    over_http = requests.post(f"{base}/apps", json={"name": "demo"})
    assert over_http.status_code == 200
    event = over_http.json()
    assert event["httpMethod"] == "POST" and json.loads(event["body"]) == {"name": "demo"}
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"


def test_proxy_events_validate_against_powertools_model(aws):
    from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel

    api, _ = echo_api(aws)
    url = api.deploy("dev")
    for response in (
        requests.get(f"{url}/apps/7"),
        requests.post(f"{url}/apps", data="plain text", headers={"Content-Type": "text/plain"}),
        requests.get(f"{url}/apps?x=1&x=2&y="),
    ):
        APIGatewayProxyEventModel.model_validate(response.json())


def test_unknown_routes_and_methods_are_missing_authentication_token(aws):
    api, _ = echo_api(aws, methods=("GET",))
    url = api.deploy("dev")
    for call in (
        lambda: requests.get(f"{url}/nothing"),
        lambda: requests.delete(f"{url}/apps/1"),
        lambda: requests.get(f"{url}/apps/1/2"),
    ):
        response = call()
        assert response.status_code == 403
        assert response.json() == {"message": "Missing Authentication Token"}
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    base = aws.serve_api(api.id, "dev")
    assert requests.get(base.replace("/dev", "/prod") + "/apps").status_code == 403


def test_greedy_proxy_resources_take_the_rest_of_the_path(aws):
    fn = create(aws, "echo", ECHO)["FunctionArn"]
    api = Api(aws)
    api.proxy("/files/{proxy+}", "GET", fn)
    api.proxy("/files/special", "GET", fn)
    url = api.deploy("dev")
    event = requests.get(f"{url}/files/a/b/c.txt").json()
    assert event["resource"] == "/files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert requests.get(f"{url}/files/special").json()["resource"] == "/files/special"


@pytest.mark.parametrize(
    "reply",
    [
        "'not a dict'",
        "{'statusCode': 200, 'body': {'not': 'a string'}}",
        "{'statusCode': 200, 'extra': 1}",
        "{'statusCode': 'abc'}",
        "{'statusCode': 200, 'headers': {'x': ['list']}}",
    ],
)
def test_a_malformed_lambda_response_is_a_502(aws, reply):
    fn = create(aws, "bad", f"def handler(e, c):\n    return {reply}\n")["FunctionArn"]
    api = Api(aws)
    api.proxy("/bad", "GET", fn)
    response = requests.get(f"{api.deploy()}/bad")
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_function_errors_and_function_timeouts_are_502_the_integration_timeout_504(aws):
    fails = create(aws, "fails", "def handler(e, c):\n    raise ValueError('x')\n")
    short, long = slow_functions(aws)
    api = Api(aws)
    api.proxy("/fails", "GET", fails["FunctionArn"])
    api.proxy("/short", "GET", short["FunctionArn"])
    api.proxy("/long", "GET", long["FunctionArn"], timeout_ms=1000)
    url = api.deploy()
    assert requests.get(f"{url}/fails").status_code == 502
    assert requests.get(f"{url}/short").status_code == 502  # the function's own timeout
    started = time.monotonic()
    timed_out = requests.get(f"{url}/long")
    assert time.monotonic() - started < 1.9  # the gateway did not wait for the function
    assert timed_out.status_code == 504
    assert timed_out.json() == {"message": "Endpoint request timed out"}


def test_a_warm_environment_still_times_out_on_time_after_many_quick_calls(aws):
    """The function's timeout is checked by one timer per environment that waits on for
    the call in flight: after a run of quick calls, a slow one still ends at its own
    timeout (502), neither earlier (an older call's deadline) nor later."""
    fn = create(
        aws,
        "sometimes-slow",
        "import time\n"
        "def handler(e, c):\n"
        "    if (e.get('queryStringParameters') or {}).get('slow'):\n"
        "        time.sleep(5)\n"
        "    return {'statusCode': 200, 'body': 'ok'}\n",
        Timeout=1,
    )
    api = Api(aws)
    api.proxy("/maybe", "GET", fn["FunctionArn"])
    url = api.deploy()
    with requests.Session() as session:
        for _ in range(20):
            assert session.get(f"{url}/maybe").status_code == 200
        time.sleep(0.5)  # the first calls' deadline passes while the slow call runs
        started = time.monotonic()
        slow = session.get(f"{url}/maybe?slow=1")
        took = time.monotonic() - started
        assert slow.status_code == 502 and 0.9 <= took < 1.9, (slow.status_code, took)
        assert session.get(f"{url}/maybe").status_code == 200  # a new environment


def test_a_lambda_throttle_is_a_500_not_a_429(aws):
    """No concurrency for the function: Lambda answers 429, API Gateway turns that into 500
    (INTEGRATION_FAILURE): the client did nothing wrong. The same URL over HTTP and
    in-process; once the function may run again, 200."""
    import boto3

    fn = create(aws, "busy", "def handler(e, c):\n    return {'statusCode': 200, 'body': 'ok'}\n")
    boto3.client("lambda").put_function_concurrency(
        FunctionName="busy", ReservedConcurrentExecutions=0
    )
    api = Api(aws)
    api.proxy("/busy", "GET", fn["FunctionArn"])
    url = api.deploy()
    for base in (url, aws.serve_api(api.id, "dev")):
        throttled = requests.get(f"{base}/busy")
        assert throttled.status_code == 500
        assert throttled.json() == {"message": "Internal server error"}
        assert throttled.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    boto3.client("lambda").delete_function_concurrency(FunctionName="busy")
    assert requests.get(f"{url}/busy").text == "ok"


def test_status_codes_headers_and_base64_bodies_map_through(aws):
    fn = create(
        aws,
        "shape",
        """
        import base64
        def handler(event, context):
            return {"statusCode": 201, "headers": {"X-One": "1"},
                    "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
                    "body": base64.b64encode(b"\\x00binary").decode(), "isBase64Encoded": True}
    """,
    )["FunctionArn"]
    api = Api(aws)
    api.proxy("/shape", "GET", fn)
    base = aws.serve_api(api.id, "dev") if api.deploy() else None
    response = requests.get(f"{base}/shape")
    assert response.status_code == 201 and response.content == b"\x00binary"
    assert response.headers["X-One"] == "1"
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]


def test_request_bodies_over_10_mb_are_refused(aws):
    api, _ = echo_api(aws)
    base = aws.serve_api(api.id, "dev") if api.deploy() else None
    response = requests.post(f"{base}/apps", data=b"x" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 413


def test_new_deployments_take_effect_edits_alone_do_not(aws):
    api, fn = echo_api(aws, paths=("/apps",), methods=("GET",))
    url = api.deploy("dev")
    api.proxy("/later", "GET", fn)
    assert requests.get(f"{url}/later").status_code == 403  # not deployed yet
    api.deploy("dev")
    assert requests.get(f"{url}/later").status_code == 200


def test_stage_variables_reach_the_event_and_the_integration_uri(aws):
    create(aws, "echo-dev", ECHO)
    api = Api(aws)
    rid = api.resource("/apps")
    api.client.put_method(
        restApiId=api.id, resourceId=rid, httpMethod="GET", authorizationType="NONE"
    )
    uri = (
        f"arn:aws:apigateway:{aws.region}:lambda:path/2015-03-31/functions/"
        f"arn:aws:lambda:{aws.region}:{aws.account_id}:function:"
        "${stageVariables.function}/invocations"
    )
    api.client.put_integration(
        restApiId=api.id,
        resourceId=rid,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=uri,
    )
    url = api.deploy("dev", variables={"function": "echo-dev", "table": "apps-dev"})
    event = requests.get(f"{url}/apps").json()
    assert event["stageVariables"] == {"function": "echo-dev", "table": "apps-dev"}


def test_cors_preflight_through_a_mock_options_method(aws):
    api, _ = echo_api(aws, paths=("/apps",), methods=("POST",))
    rid = api.resource("/apps")
    c = api.client
    c.put_method(restApiId=api.id, resourceId=rid, httpMethod="OPTIONS", authorizationType="NONE")
    c.put_integration(
        restApiId=api.id,
        resourceId=rid,
        httpMethod="OPTIONS",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    c.put_method_response(
        restApiId=api.id,
        resourceId=rid,
        httpMethod="OPTIONS",
        statusCode="200",
        responseParameters={
            "method.response.header.Access-Control-Allow-Origin": False,
            "method.response.header.Access-Control-Allow-Methods": False,
        },
    )
    c.put_integration_response(
        restApiId=api.id,
        resourceId=rid,
        httpMethod="OPTIONS",
        statusCode="200",
        responseParameters={
            "method.response.header.Access-Control-Allow-Origin": "'*'",
            "method.response.header.Access-Control-Allow-Methods": "'OPTIONS,POST'",
        },
    )
    base = aws.serve_api(api.id, "dev") if api.deploy() else None
    response = requests.options(f"{base}/apps", headers={"Origin": "http://localhost:8888"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "OPTIONS,POST"


def usage_plan(aws, api, stage="dev", throttle=None, quota=None):
    c = api.client
    key = c.create_api_key(name="learner", enabled=True)
    plan = c.create_usage_plan(
        name="basic",
        apiStages=[{"apiId": api.id, "stage": stage}],
        **({"throttle": throttle} if throttle else {}),
        **({"quota": quota} if quota else {}),
    )
    c.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    return key, plan


def test_api_keys_are_enforced(aws):
    fn = create(aws, "echo", ECHO)["FunctionArn"]
    api = Api(aws)
    api.proxy("/private", "GET", fn, apiKeyRequired=True)
    api.proxy("/public", "GET", fn)
    url = api.deploy("dev")
    key, _ = usage_plan(aws, api)
    assert requests.get(f"{url}/public").status_code == 200
    for headers in ({}, {"x-api-key": "wrong-key-wrong-key-wrong"}):
        refused = requests.get(f"{url}/private", headers=headers)
        assert refused.status_code == 403 and refused.json() == {"message": "Forbidden"}
    event = requests.get(f"{url}/private", headers={"x-api-key": key["value"]}).json()
    assert event["requestContext"]["identity"]["apiKey"] == key["value"]
    assert event["requestContext"]["identity"]["apiKeyId"] == key["id"]
    other = api.client.create_api_key(name="not-in-a-plan", enabled=True)
    assert requests.get(f"{url}/private", headers={"x-api-key": other["value"]}).status_code == 403


KEY_FROM_AUTHORIZER = """
def handler(event, context):
    key = event["authorizationToken"].removeprefix("Bearer ")
    return {"principalId": "caller", "usageIdentifierKey": key,
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}}
"""


def test_an_api_key_source_of_authorizer_takes_the_key_the_authorizer_returns(aws):
    """apiKeySource AUTHORIZER: the authorizer runs first and its usageIdentifierKey is the
    key checked against the usage plan (the x-api-key header is not read)."""
    fn = create(aws, "echo", ECHO)["FunctionArn"]
    auth = create(aws, "key-authorizer", KEY_FROM_AUTHORIZER)["FunctionArn"]
    api = Api(aws)
    api.client.update_rest_api(
        restApiId=api.id,
        patchOperations=[{"op": "replace", "path": "/apiKeySource", "value": "AUTHORIZER"}],
    )
    authorizer = api.client.create_authorizer(
        restApiId=api.id,
        name="keys",
        type="TOKEN",
        authorizerUri=lambda_uri(aws, auth),
        identitySource="method.request.header.Authorization",
        authorizerResultTtlInSeconds=0,
    )
    api.proxy(
        "/private",
        "GET",
        fn,
        apiKeyRequired=True,
        authorizationType="CUSTOM",
        authorizerId=authorizer["id"],
    )
    url = api.deploy("dev")
    key, plan = usage_plan(aws, api)
    event = requests.get(f"{url}/private", headers={"Authorization": f"Bearer {key['value']}"})
    assert event.status_code == 200, event.text
    assert event.json()["requestContext"]["identity"]["apiKeyId"] == key["id"]
    wrong = requests.get(
        f"{url}/private",
        headers={"Authorization": "Bearer not-a-key", "x-api-key": key["value"]},
    )
    assert wrong.status_code == 403 and wrong.json() == {"message": "Forbidden"}
    today = aws.clock.now().date().isoformat()
    usage = api.client.get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)
    assert usage["items"][key["id"]][0][0] == 1


def test_usage_plan_throttle_and_quota_and_get_usage(aws):
    fn = create(aws, "echo", ECHO)["FunctionArn"]
    api = Api(aws)
    api.proxy("/private", "GET", fn, apiKeyRequired=True)
    url = api.deploy("dev")
    key, plan = usage_plan(
        aws, api, throttle={"rateLimit": 1.0, "burstLimit": 2}, quota={"limit": 5, "period": "DAY"}
    )
    headers = {"x-api-key": key["value"]}
    statuses = [requests.get(f"{url}/private", headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # a burst of 2, then 1 per second
    throttled = requests.get(f"{url}/private", headers=headers)
    assert throttled.json() == {"message": "Too Many Requests"}
    for _ in range(3):
        aws.clock.advance(1)
        assert requests.get(f"{url}/private", headers=headers).status_code == 200
    aws.clock.advance(1)
    over = requests.get(f"{url}/private", headers=headers)
    assert over.status_code == 429 and over.json() == {"message": "Limit Exceeded"}
    today = aws.clock.now().date().isoformat()
    usage = api.client.get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)
    assert usage["items"] == {key["id"]: [[5, 0]]}


AUTHORIZER = AUTHORIZER_SOURCE


def authorized_api(aws, kind="TOKEN", ttl=300):
    fn = create(aws, "echo", ECHO)["FunctionArn"]
    auth = create(aws, "authorizer", AUTHORIZER)["FunctionArn"]
    api = Api(aws)
    source = (
        "method.request.header.Authorization"
        if kind == "TOKEN"
        else "method.request.header.X-Token"
    )
    authorizer = api.client.create_authorizer(
        restApiId=api.id,
        name="jwt",
        type=kind,
        authorizerUri=lambda_uri(aws, auth),
        identitySource=source,
        authorizerResultTtlInSeconds=ttl,
    )
    api.proxy("/apps", "POST", fn, authorizationType="CUSTOM", authorizerId=authorizer["id"])
    return api, api.deploy("dev")


@pytest.mark.parametrize("kind, header", [("TOKEN", "Authorization"), ("REQUEST", "X-Token")])
def test_lambda_authorizers_allow_deny_and_pass_their_context(aws, kind, header):
    api, url = authorized_api(aws, kind)
    missing = requests.post(f"{url}/apps")
    assert missing.status_code == 401 and missing.json() == {"message": "Unauthorized"}
    assert requests.post(f"{url}/apps", headers={header: "expired"}).status_code == 401
    denied = requests.post(f"{url}/apps", headers={header: "bad"})
    assert denied.status_code == 403
    assert denied.json() == {
        "message": "User is not authorized to access this resource with an explicit deny"
    }
    event = requests.post(f"{url}/apps", headers={header: "admin"}).json()
    assert event["requestContext"]["authorizer"]["principalId"] == "user-admin"
    assert event["requestContext"]["authorizer"]["role"] == "admin"
    assert event["requestContext"]["authorizer"]["admin"] == "true"


def test_authorizer_results_are_cached_per_token_for_the_ttl(aws):
    api, url = authorized_api(aws, ttl=60)
    authorizers = aws.plugin("apigateway").authorizers
    for _ in range(3):
        assert requests.post(f"{url}/apps", headers={"Authorization": "good"}).ok
    assert authorizers.invocations == 1
    requests.post(f"{url}/apps", headers={"Authorization": "admin"})
    assert authorizers.invocations == 2  # another token, another call
    aws.clock.advance(61)
    requests.post(f"{url}/apps", headers={"Authorization": "good"})
    assert authorizers.invocations == 3  # the cached policy expired


def test_request_validation_with_a_json_schema_model(aws):
    fn = create(aws, "echo", ECHO)["FunctionArn"]
    api = Api(aws)
    c = api.client
    c.create_model(
        restApiId=api.id,
        name="App",
        contentType="application/json",
        schema=json.dumps(
            {
                "type": "object",
                "required": ["id", "release"],
                "properties": {"id": {"type": "string"}, "release": {"type": "integer"}},
            }
        ),
    )
    validator = c.create_request_validator(
        restApiId=api.id, name="all", validateRequestBody=True, validateRequestParameters=True
    )
    api.proxy(
        "/apps",
        "POST",
        fn,
        requestValidatorId=validator["id"],
        requestModels={"application/json": "App"},
        requestParameters={"method.request.querystring.stage": True},
    )
    url = api.deploy()
    ok = requests.post(f"{url}/apps?stage=dev", json={"id": "a", "release": 1})
    assert ok.status_code == 200
    bad = requests.post(f"{url}/apps?stage=dev", json={"id": "a", "release": "one"})
    assert bad.status_code == 400 and bad.json() == {"message": "Invalid request body"}
    assert requests.post(f"{url}/apps?stage=dev", data="{not json").status_code == 400
    missing = requests.post(f"{url}/apps", json={"id": "a", "release": 1})
    assert missing.status_code == 400
    assert missing.json() == {"message": "Missing required request parameters: [stage]"}


def test_gateway_responses_can_be_customised(aws):
    api, _ = echo_api(aws)
    api.client.put_gateway_response(
        restApiId=api.id,
        responseType="MISSING_AUTHENTICATION_TOKEN",
        statusCode="404",
        responseTemplates={"application/json": '{"error": "no such route"}'},
        responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
    )
    url = api.deploy()
    response = requests.get(f"{url}/nowhere")
    assert response.status_code == 404 and response.json() == {"error": "no such route"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_powertools_rest_resolver_runs_unmodified_behind_the_sandbox(aws, powertools_layer):
    app = """
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        app = APIGatewayRestResolver()

        @app.get("/apps/<app_id>")
        def get_app(app_id):
            return {"id": app_id, "stage": app.current_event.request_context.stage}

        @app.post("/apps")
        def create_app():
            return {"created": app.current_event.json_body["name"]}, 201

        def handler(event, context):
            return app.resolve(event, context)
    """
    fn = create(aws, "powertools", app, Layers=[powertools_layer(aws)], Timeout=10)["FunctionArn"]
    api = Api(aws)
    api.proxy("/apps", "POST", fn)
    api.proxy("/apps/{id}", "GET", fn)
    base = aws.serve_api(api.id, "dev") if api.deploy() else None
    assert requests.get(f"{base}/apps/42").json() == {"id": "42", "stage": "dev"}
    created = requests.post(f"{base}/apps", json={"name": "demo"})
    assert created.status_code == 201 and created.json() == {"created": "demo"}


@pytest.fixture(scope="module")
def powertools_layer():
    """A Lambda layer with aws-lambda-powertools, as AWS publishes one."""
    import io
    import zipfile
    from pathlib import Path

    import aws_lambda_powertools
    import typing_extensions

    source = Path(aws_lambda_powertools.__file__).parent
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in source.rglob("*.py"):
            archive.write(path, f"python/aws_lambda_powertools/{path.relative_to(source)}")
        archive.write(typing_extensions.__file__, "python/typing_extensions.py")
    data = buffer.getvalue()

    def publish(aws):
        return aws.client("lambda").publish_layer_version(
            LayerName="powertools", Content={"ZipFile": data}
        )["LayerVersionArn"]

    return publish


def test_request_inspector_shows_all_four_steps(aws):
    from workshop_lib.apigateway.inspector import RequestInspector, describe, inspect

    api, _ = echo_api(aws)
    api.deploy("dev")
    seen = inspect(aws, api.id, "dev", "POST", "/apps/9", body={"name": "x"}, query={"q": "1"})
    assert seen.request["path"] == "/dev/apps/9"
    assert seen.event["pathParameters"] == {"id": "9"}
    assert seen.lambda_response["statusCode"] == 200
    assert seen.response["status"] == 200 and seen.response["body"]["httpMethod"] == "POST"
    text = describe(seen)
    assert (
        text.index("1. HTTP request")
        < text.index("2. Lambda event")
        < text.index("3. handler response")
        < text.index("4. HTTP response")
    )
    refused = inspect(aws, api.id, "dev", "GET", "/nowhere")
    assert refused.event is None and refused.response["status"] == 403
    widget = RequestInspector(aws, api.id, "dev")
    widget.method.value, widget.path.value = "GET", "/apps/5"
    result = widget.run()
    assert (
        result.event["pathParameters"] == {"id": "5"} and "4. HTTP response" in widget.output.value
    )


def test_lambda_integration_with_mapping_templates(aws):
    fn = create(
        aws,
        "custom",
        """
        def handler(event, context):
            if event["name"] == "boom":
                raise ValueError("Bad request: name is boom")
            return {"greeting": "hello " + event["name"], "id": event["id"], "n": event["n"]}
    """,
    )["FunctionArn"]
    api = Api(aws)
    rid = api.resource("/greet/{id}")
    c = api.client
    c.put_method(restApiId=api.id, resourceId=rid, httpMethod="POST", authorizationType="NONE")
    request_template = """#set($body = $input.path('$'))
{"name": "$util.escapeJavaScript($body.name)", "id": "$input.params('id')",
 "n": #if($input.params('loud') == 'yes')1#{else}0#end, "stage": "$context.stage"}"""
    c.put_integration(
        restApiId=api.id,
        resourceId=rid,
        httpMethod="POST",
        type="AWS",
        integrationHttpMethod="POST",
        uri=lambda_uri(aws, fn),
        requestTemplates={"application/json": request_template},
    )
    c.put_method_response(restApiId=api.id, resourceId=rid, httpMethod="POST", statusCode="200")
    c.put_method_response(restApiId=api.id, resourceId=rid, httpMethod="POST", statusCode="400")
    c.put_integration_response(
        restApiId=api.id,
        resourceId=rid,
        httpMethod="POST",
        statusCode="200",
        responseTemplates={"application/json": "{\"message\": $input.json('$.greeting')}"},
        responseParameters={"method.response.header.X-Id": "integration.response.body.id"},
    )
    c.put_integration_response(
        restApiId=api.id,
        resourceId=rid,
        httpMethod="POST",
        statusCode="400",
        selectionPattern="Bad request:.*",
        responseTemplates={"application/json": "{\"error\": $input.json('$.errorMessage')}"},
    )
    url = api.deploy()
    ok = requests.post(f"{url}/greet/7?loud=yes", json={"name": 'Ann "A"'})
    assert ok.status_code == 200 and ok.json() == {"message": 'hello Ann "A"'}
    assert ok.headers["X-Id"] == "7"
    bad = requests.post(f"{url}/greet/7", json={"name": "boom"})
    assert bad.status_code == 400 and bad.json() == {"error": "Bad request: name is boom"}


def test_vtl_subset():
    from workshop_lib.apigateway.vtl import Input, TemplateError, render

    data = Input(
        '{"items": [{"n": 1}, {"n": 2}], "tag": "a b"}',
        {"path": {}, "header": {}, "querystring": {"q": "x"}},
    )
    scope = {"input": data, "context": {"requestId": "r-1"}, "stageVariables": {"t": "apps"}}
    out = render("#foreach($i in $input.path('$.items'))$i.n#if($foreach.hasNext),#end#end", scope)
    assert out == "1,2"
    assert render("$util.urlEncode($input.path('$.tag'))|$context.requestId", scope) == "a%20b|r-1"
    assert render("#set($x = [1, 2, 3])$x.size() $stageVariables.t", scope) == "3 apps"
    assert render("## a comment\n$!missing|$missing", scope) == "|$missing"
    assert render("#if($input.params('q') != 'x')no#elseif(true)yes#end", scope) == "yes"
    with pytest.raises(TemplateError):
        render("#if(true)unclosed", scope)


def test_canary_deployments_split_traffic_and_can_be_promoted(aws):
    v1 = create(aws, "v1", "def handler(e, c):\n    return {'statusCode': 200, 'body': 'v1'}\n")
    v2 = create(aws, "v2", "def handler(e, c):\n    return {'statusCode': 200, 'body': 'v2'}\n")
    api = Api(aws)
    api.proxy("/version", "GET", v1["FunctionArn"])
    url = api.deploy("prod")
    rid = api.resource("/version")
    api.client.put_integration(
        restApiId=api.id,
        resourceId=rid,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=lambda_uri(aws, v2["FunctionArn"]),
    )
    api.client.create_deployment(
        restApiId=api.id, stageName="prod", canarySettings={"percentTraffic": 25.0}
    )
    stage = api.client.get_stage(restApiId=api.id, stageName="prod")
    assert stage["canarySettings"]["percentTraffic"] == 25.0
    bodies = [requests.get(f"{url}/version").text for _ in range(400)]
    assert 60 <= bodies.count("v2") <= 140  # about a quarter
    api.client.update_stage(
        restApiId=api.id,
        stageName="prod",
        patchOperations=[
            {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
            {"op": "remove", "path": "/canarySettings"},
        ],
    )
    assert {requests.get(f"{url}/version").text for _ in range(20)} == {"v2"}
    assert "canarySettings" not in api.client.get_stage(restApiId=api.id, stageName="prod")


def test_redeploying_keeps_stage_variables_and_unknown_stages_are_forbidden(aws):
    api, _ = echo_api(aws, paths=("/apps",), methods=("GET",))
    url = api.deploy("dev", variables={"table": "apps-dev"})
    api.deploy("dev")
    assert requests.get(f"{url}/apps").json()["stageVariables"] == {"table": "apps-dev"}
    other = url.replace("/dev", "/qa")
    forbidden = requests.get(f"{other}/apps")
    assert forbidden.status_code == 403 and forbidden.json() == {"message": "Forbidden"}


def test_routing_is_worked_out_once_per_path_and_each_caller_gets_its_own_parameters(
    monkeypatch,
):
    from workshop_lib.apigateway import spec as spec_module
    from workshop_lib.apigateway.spec import ApiSpec, MethodSpec, ResourceSpec

    get = MethodSpec("GET", "NONE", None, False, None, {}, {}, None, {})
    api = ApiSpec(
        "api",
        "dep",
        [
            ResourceSpec("r1", "/items/{id}", {"GET": get}),
            ResourceSpec("r2", "/items/special", {"GET": get}),
            ResourceSpec("r3", "/{proxy+}", {"ANY": get}),
        ],
    )
    first = api.route("/items/42", "GET")
    assert (first[0].id, first[2]) == ("r1", {"id": "42"})
    first[2]["id"] = "changed by a caller"
    assert api.route("/items/42", "GET")[2] == {"id": "42"}
    assert api.route("/items/special", "GET")[0].id == "r2"  # literal beats {id}
    assert api.route("/a/b", "POST")[0].id == "r3"
    assert api.route("/", "GET") is None
    calls = []
    monkeypatch.setattr(api, "_route", lambda *a: calls.append(a) or None)
    api.route("/items/42", "GET")
    assert calls == []  # remembered
    monkeypatch.setattr(spec_module, "ROUTES_KEPT", 5)
    for n in range(12):
        api.route(f"/x/{n}", "GET")
    assert len(api._routes) <= 5  # bounded: endless distinct paths do not grow it
