"""CloudFormation types real services use that moto's CloudFormation skips, made after the
stack by workshop_lib.framework.gaps: here AWS::ApiGateway::GatewayResponse, the usual way
a service puts CORS headers on API Gateway's own 4xx answers."""

from __future__ import annotations

import textwrap

import requests

from workshop_lib import sandbox
from workshop_lib.framework import sls

SERVICE = """
service: guarded
provider: {name: aws, runtime: python3.12}
functions:
  hello:
    handler: handler.hello
    events:
      - http: {path: hello, method: get, cors: true, private: true}
resources:
  Resources:
    GatewayResponseDefault4XX:
      Type: AWS::ApiGateway::GatewayResponse
      Properties:
        ResponseParameters:
          gatewayresponse.header.Access-Control-Allow-Origin: "'*'"
          gatewayresponse.header.Access-Control-Allow-Headers: "'*'"
        ResponseType: DEFAULT_4XX
        RestApiId: {Ref: ApiGatewayRestApi}
"""


def test_a_gateway_response_from_the_template_puts_cors_on_api_gateway_errors(tmp_path):
    (tmp_path / "serverless.yml").write_text(textwrap.dedent(SERVICE))
    (tmp_path / "handler.py").write_text("def hello(event, context):\n    return {}\n")
    with sandbox() as aws:
        sls("deploy", service=str(tmp_path))
        api_id = aws.client("apigateway").get_rest_apis()["items"][0]["id"]
        url = f"https://{api_id}.execute-api.{aws.region}.amazonaws.com/dev/hello"
        refused = requests.get(url)  # no API key: API Gateway's own 403
        assert refused.status_code == 403
        assert refused.headers["Access-Control-Allow-Origin"] == "*"
        found = aws.client("apigateway").get_gateway_response(
            restApiId=api_id, responseType="DEFAULT_4XX"
        )
        assert (
            found["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Headers"]
            == "'*'"
        )
