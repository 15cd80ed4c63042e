"""Server mode: `workshop sandbox start/stop` and sandbox(endpoint=...)."""

from __future__ import annotations

import socket
import subprocess
import sys

import boto3
import pytest
import requests

from workshop_lib import sandbox, server


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def workshop(*args):
    return subprocess.run(
        [sys.executable, "-m", "workshop_lib.cli", *args], capture_output=True, text=True
    )


@pytest.mark.slow
def test_cli_starts_a_shared_server_that_sandboxes_use_and_stops_it():
    port = free_port()
    started = workshop("sandbox", "start", "--port", str(port))
    assert started.returncode == 0, started.stderr
    url = f"http://127.0.0.1:{port}"
    assert url in started.stdout
    try:
        assert workshop("sandbox", "status", "--port", str(port)).returncode == 0
        again = workshop("sandbox", "start", "--port", str(port))  # idempotent
        assert again.returncode == 0 and again.stdout == started.stdout
        with sandbox(endpoint=url) as aws:
            assert aws.mode == "server" and aws.endpoint_url == url
            boto3.client("sqs").create_queue(QueueName="shared")
            # another process sees the same state
            code = (
                "import boto3,sys;c=boto3.client('sqs',endpoint_url=sys.argv[1],"
                "region_name='us-east-1',aws_access_key_id='a',aws_secret_access_key='b');"
                "print(len(c.list_queues().get('QueueUrls', [])))"
            )
            seen = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True)
            assert seen.stdout.strip() == "1", seen.stderr
            aws.reset()
            assert "QueueUrls" not in boto3.client("sqs").list_queues()
    finally:
        stopped = workshop("sandbox", "stop", "--port", str(port))
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert not server.is_serving(port)
    assert workshop("sandbox", "status", "--port", str(port)).returncode == 1


def test_busy_port_gives_a_plain_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = workshop("sandbox", "start", "--port", str(port))
    assert result.returncode == 1
    assert f"port {port}" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_stop_without_a_server_says_so():
    result = workshop("sandbox", "stop", "--port", str(free_port()))
    assert result.returncode == 0 and "no sandbox server" in result.stdout


def test_server_mode_without_a_server_says_how_to_start_one():
    port = free_port()
    with pytest.raises(sandbox.SandboxError, match=f"workshop sandbox start --port {port}"):
        sandbox(endpoint=f"http://127.0.0.1:{port}").start()
    assert sandbox.active() is None


@pytest.mark.slow
def test_functions_run_in_the_server_too():
    """The server process installs the emulation layers: a function created through it runs."""
    from tests.lambda_helpers import create, invoke

    port = free_port()
    assert workshop("sandbox", "start", "--port", str(port)).returncode == 0
    try:
        url = f"http://127.0.0.1:{port}"
        with sandbox(endpoint=url) as aws:
            create(aws, "remote", "import os\ndef handler(e, c):\n    return os.getpid()\n")
            pid = invoke(aws, "remote")["body"]
            assert isinstance(pid, int) and pid != __import__("os").getpid()
            # a deployed REST API stage is served by the server too, on its own port
            api = served_rest_api(aws, "remote")
            path = f"{url}/restapis/{api}/dev/_user_request_/anything"
            answered = requests.get(path)
            assert answered.status_code == 502  # the function's answer is no proxy response
            assert answered.json() == {"message": "Internal server error"}
            by_host = requests.get(
                f"{url}/dev/anything", headers={"Host": f"{api}.execute-api.localhost:{port}"}
            )
            assert by_host.status_code == 502
            missing = requests.get(f"{url}/restapis/{api}/nostage/_user_request_/x")
            assert missing.status_code == 403
    finally:
        workshop("sandbox", "stop", "--port", str(port))


def served_rest_api(aws, function):
    """A REST API whose ``{proxy+}`` goes to ``function``, deployed to the stage dev."""
    apigw = aws.client("apigateway")
    api = apigw.create_rest_api(name="served")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    proxy = apigw.create_resource(restApiId=api, parentId=root, pathPart="{proxy+}")["id"]
    apigw.put_method(restApiId=api, resourceId=proxy, httpMethod="ANY", authorizationType="NONE")
    arn = aws.client("lambda").get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    apigw.put_integration(
        restApiId=api, resourceId=proxy, httpMethod="ANY", type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{aws.region}:lambda:path/2015-03-31/functions/{arn}/invocations",
    )  # fmt: skip
    apigw.create_deployment(restApiId=api, stageName="dev")
    return api


def test_settle_young_frees_a_cycle_it_froze_while_the_cycle_was_in_use():
    """A request's reference cycles frozen mid-request (moto's server makes them) are freed
    by the next full round, not kept for the server's lifetime."""
    code = (
        "import gc, weakref\nfrom workshop_lib import server\n"
        "class Request: pass\n"
        "request = Request(); request.me = request; alive = weakref.ref(request)\n"
        "server.settle_young()\n"  # frozen while the request is in flight
        "del request\n"
        "for _ in range(240): server.settle_young()\n"  # two minutes of rounds
        "print(alive() is None, gc.get_freeze_count() > 0)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "True True"


def test_settle_heap_freezes_what_a_server_keeps_for_its_lifetime():
    """Long-running servers (sandbox server, sls offline) freeze their start-up heap so
    Python's full collections stop walking moto's state (the p99 is in make bench)."""
    code = (
        "import gc\nfrom workshop_lib import sandbox\nfrom workshop_lib.server import settle_heap\n"
        "box = sandbox().start()\nassert gc.get_freeze_count() == 0\nsettle_heap()\n"
        "print(gc.get_freeze_count() > 50_000)\nbox.stop()"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "True"


def test_request_targets_split_as_urlsplit_splits_them():
    """The served API splits the usual ``/path?query`` itself; every target, usual or not,
    gets the path and query urlsplit would give."""
    import random
    from urllib.parse import urlsplit

    from workshop_lib.apigateway.server import _split_target

    targets = ["/", "/dev/items/42", "/a?b=1&c", "/a?", "/a??b", "/a?b#c", "//x/y?q",
               "http://h/p?q", "*", "/a b", "/%2F?x=%20", "/\t", "/\x85x", "/é?ü"]  # fmt: skip
    draw = random.Random(7)
    alphabet = "/?#;: ab%\t\r\n\x00é\x85[]@"
    targets += [
        "".join(draw.choice(alphabet) for _ in range(draw.randrange(8))) for _ in range(3000)
    ]
    for target in targets:
        try:
            expected = urlsplit(target)
        except ValueError:  # urlsplit refuses some authorities: so does the server (400)
            continue
        assert _split_target(target) == (expected.path, expected.query), target
