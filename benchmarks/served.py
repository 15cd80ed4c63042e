"""A trivial API served two ways, for ``make bench``: ``ceiling`` or ``workshop``.

- ``ceiling``: a stdlib ``ThreadingHTTPServer`` calling the handler directly (HTTP/1.1,
  keep-alive): the most a Python process does with no gateway and no Lambda in between.
- ``workshop``: the same handler deployed as a Lambda function behind a REST API in the
  sandbox, served by ``aws.serve_api`` (routing, proxy event, context, worker process, logs).

Prints ``ready http://127.0.0.1:PORT/PREFIX`` once it answers, then serves until killed.
"""

from __future__ import annotations

import argparse
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANDLER = """
import json
def handler(event, context):
    if event["httpMethod"] == "POST":
        data = json.loads(event["body"] or "{}")
        return {"statusCode": 201, "body": json.dumps({"id": data.get("id"), "echo": data})}
    params = event["pathParameters"] or {}
    return {"statusCode": 200, "body": json.dumps({"id": params.get("id")})}
"""


def ceiling(port: int) -> str:
    namespace: dict = {}
    exec(HANDLER, namespace)  # the very same handler function
    handler = namespace["handler"]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # as the sandbox's server: no 40 ms Nagle stalls

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else None
            parts = self.path.strip("/").split("/")
            event = {
                "httpMethod": self.command,
                "body": body,
                "pathParameters": {"id": parts[-1]} if len(parts) > 1 else None,
            }
            result = handler(event, None)
            data = result["body"].encode()
            self.send_response(result["statusCode"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # wrk closes connections abruptly
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/dev"


def workshop(port: int) -> str:
    from workshop_lib import sandbox
    from workshop_lib.lambda_runtime import execution_role, package

    aws = sandbox().start()
    lam, apigw = aws.client("lambda"), aws.client("apigateway")
    fn = lam.create_function(
        FunctionName="items",
        Runtime="python3.12",
        Handler="app.handler",
        Role=execution_role(aws.client("iam")),
        Code={"ZipFile": package({"app.py": HANDLER})},
    )["FunctionArn"]
    api = apigw.create_rest_api(name="bench")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    items = apigw.create_resource(restApiId=api, parentId=root, pathPart="items")["id"]
    item = apigw.create_resource(restApiId=api, parentId=items, pathPart="{id}")["id"]
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations"
    for resource, method in ((items, "POST"), (item, "GET")):
        apigw.put_method(
            restApiId=api, resourceId=resource, httpMethod=method, authorizationType="NONE"
        )
        apigw.put_integration(
            restApiId=api,
            resourceId=resource,
            httpMethod=method,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=uri,
        )
    apigw.create_deployment(restApiId=api, stageName="dev")
    return aws.serve_api(api, "dev", port)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["ceiling", "workshop"])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    url = ceiling(args.port) if args.mode == "ceiling" else workshop(args.port)
    print(f"ready {url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    main()
