"""``httpApi`` events, ``provider.httpApi`` and a function's ``url:``, as the framework
compiles them, and their creation in the sandbox.

The compilation follows Serverless Framework 3's own (``lib/plugins/aws/package/compile/
events/http-api.js`` and ``compileFunctionUrl`` in ``package/compile/functions.js``): one
``HttpApi`` with a ``$default`` stage that auto-deploys, one integration and one permission
per function, one route per event (``HttpApiRoute`` + the route key's path parts), JWT and
request authorizers, CORS (``cors: true`` takes the framework's default headers and the
methods the routes use), and ``AWS::Lambda::Url`` with its public permission. moto's
CloudFormation skips every one of these types, so :func:`create` makes them with plain API
calls after the stack is up, found again by name on the next deploy.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from workshop_lib.framework.compile import normalize_function_name
from workshop_lib.framework.config import ConfigError

if TYPE_CHECKING:
    from workshop_lib.framework.service import Service

ALLOWED_METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE")
_METHOD_PATH = re.compile(r"^(?:\*|(ANY|GET|POST|PUT|PATCH|OPTIONS|HEAD|DELETE) (/\S*))$", re.I)
DEFAULT_CORS_HEADERS = [
    "Content-Type",
    "X-Amz-Date",
    "Authorization",
    "X-Api-Key",
    "X-Amz-Security-Token",
    "X-Amz-User-Agent",
    "X-Amzn-Trace-Id",
]
URL_CORS_HEADERS = [h for h in DEFAULT_CORS_HEADERS if h != "X-Amz-User-Agent"]
#: what moto's CloudFormation skips and :func:`create` makes
SKIPPED_TYPES = (
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::Lambda::Url",
)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def route_logical_id(route_key: str) -> str:
    """``GET /items/{id}`` → ``HttpApiRouteGetItemsIdVar``; ``*`` → ``HttpApiRouteDefault``."""
    if route_key == "*":
        return "HttpApiRouteDefault"
    parts = []
    for part in route_key.split("/"):
        part = part[:1].upper() + part[1:].lower()  # lodash's capitalize
        part = part.replace("-", "Dash")
        part = re.sub(r"\{(.*)\}", r"\1Var", part)
        parts.append(_upper_first(re.sub(r"[^0-9A-Za-z]", "", part)))
    return "HttpApiRoute" + "".join(parts)


def api_name(service: Service) -> str:
    """The HTTP API's name: ``provider.httpApi.name``, else the framework's
    ``{stage}-{service}``."""
    user = service.provider.get("httpApi")
    given = user.get("name") if isinstance(user, dict) else None
    return str(given or f"{service.stage}-{service.name}")


def _where(service: Service, keys: tuple[str, ...]) -> str:
    return service.raw.where(keys)


def _routes(service: Service) -> list[tuple[str, str, dict[str, Any] | None, list[str] | None]]:
    """``(route key, function key, authorizer, scopes)`` for every httpApi event."""
    found: list[tuple[str, str, dict[str, Any] | None, list[str] | None]] = []
    seen: set[str] = set()
    for key, fn in service.functions.items():
        for index, event in enumerate(fn.events):
            if not isinstance(event, dict) or "httpApi" not in event:
                continue
            keys = ("functions", key, "events", str(index), "httpApi")
            spec = event["httpApi"]
            authorizer = None
            if isinstance(spec, dict):
                method, path, authorizer = (
                    spec.get("method"),
                    spec.get("path"),
                    spec.get("authorizer"),
                )
            else:
                matched = _METHOD_PATH.match(str(spec))
                if matched is None:
                    raise ConfigError(
                        f"{_where(service, keys)}: httpApi {spec!r} is not 'METHOD /path' or "
                        "'*': write for example httpApi: 'GET /items/{id}'"
                    )
                method, path = (None, "*") if str(spec) == "*" else matched.groups()
            path = str(path)
            if path == "*":
                if method and method != "*":
                    raise ConfigError(
                        f"{_where(service, keys)}: httpApi path '*' takes no method (or '*'): "
                        "it is the $default route"
                    )
                route_key = "*"
            else:
                if not method:
                    raise ConfigError(
                        f"{_where(service, keys)}: httpApi event needs a method: add "
                        "method: GET (or '*')"
                    )
                method = str(method).upper()
                method = "ANY" if method == "*" else method
                if method not in ALLOWED_METHODS:
                    raise ConfigError(
                        f"{_where(service, keys)}: httpApi method {method!r} is not one of "
                        f"{', '.join(ALLOWED_METHODS)} or '*'"
                    )
                if not path.startswith("/"):
                    raise ConfigError(
                        f"{_where(service, keys)}: httpApi path {path!r} must start with '/'"
                    )
                route_key = f"{method} {path}"
                if route_key in seen:
                    raise ConfigError(
                        f"{_where(service, keys)}: duplicate route '{route_key}' (each "
                        "method and path may be declared once)"
                    )
            seen.add(route_key)
            scopes = None
            if authorizer is not None:
                authorizer = authorizer if isinstance(authorizer, dict) else {"name": authorizer}
                scopes = authorizer.get("scopes")
            found.append((route_key, key, authorizer, scopes))
    return found


def _cors(user: Any, routes: list) -> dict[str, Any] | None:
    if not user:
        return None
    fill_methods = user is True or not (isinstance(user, dict) and user.get("allowedMethods"))
    if user is True:
        cors: dict[str, Any] = {"AllowHeaders": list(DEFAULT_CORS_HEADERS), "AllowOrigins": ["*"]}
    else:
        cors = {
            "AllowHeaders": _as_list(user.get("allowedHeaders")) or list(DEFAULT_CORS_HEADERS),
            "AllowOrigins": _as_list(user.get("allowedOrigins")) or ["*"],
        }
        if user.get("allowedMethods"):
            cors["AllowMethods"] = _as_list(user["allowedMethods"])
        if user.get("allowCredentials"):
            cors["AllowCredentials"] = True
        if user.get("exposedResponseHeaders"):
            cors["ExposeHeaders"] = _as_list(user["exposedResponseHeaders"])
        if user.get("maxAge") is not None:
            cors["MaxAge"] = user["maxAge"]
    if fill_methods:
        methods = ["OPTIONS"]
        for route_key, *_ in routes:
            wanted = (
                [m for m in ALLOWED_METHODS if m != "ANY"]
                if route_key == "*" or route_key.startswith("ANY ")
                else [route_key.split(" ", 1)[0]]
            )
            methods += [m for m in wanted if m not in methods]
        cors["AllowMethods"] = methods
    return {k: cors[k] for k in sorted(cors)}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _join(*parts: Any) -> dict[str, Any]:
    return {"Fn::Join": ["", list(parts)]}


def _api_arn_wildcard() -> dict[str, Any]:
    return _join(
        "arn:",
        {"Ref": "AWS::Partition"},
        ":execute-api:",
        {"Ref": "AWS::Region"},
        ":",
        {"Ref": "AWS::AccountId"},
        ":",
        {"Ref": "HttpApi"},
        "/*",
    )


def _function_arn(service: Service, key: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [f"{normalize_function_name(key)}LambdaFunction", "Arn"]}


def compile_http_api(service: Service, resources: dict[str, Any], outputs: dict[str, Any]) -> None:
    """Add the HTTP API of the service's ``httpApi`` events (nothing if it has none)."""
    routes = _routes(service)
    if not routes:
        return
    user = service.provider.get("httpApi") or {}
    if not isinstance(user, dict):
        raise ConfigError(
            f"{_where(service, ('provider', 'httpApi'))}: provider.httpApi must be a map "
            "(cors, authorizers, payload, ...)"
        )
    api: dict[str, Any] = {
        "Name": api_name(service),
        "ProtocolType": "HTTP",
    }
    if user.get("disableDefaultEndpoint") is not None:
        api["DisableExecuteApiEndpoint"] = bool(user["disableDefaultEndpoint"])
    cors = _cors(user.get("cors"), routes)
    if cors:
        api["CorsConfiguration"] = cors
    resources["HttpApi"] = {"Type": "AWS::ApiGatewayV2::Api", "Properties": api}
    resources["HttpApiStage"] = {
        "Type": "AWS::ApiGatewayV2::Stage",
        "Properties": {
            "ApiId": {"Ref": "HttpApi"},
            "StageName": "$default",
            "AutoDeploy": True,
            "DefaultRouteSettings": {"DetailedMetricsEnabled": bool(user.get("metrics"))},
        },
    }
    outputs["HttpApiId"] = {"Description": "Id of the HTTP API", "Value": {"Ref": "HttpApi"}}
    outputs["HttpApiUrl"] = {
        "Description": "URL of the HTTP API",
        "Value": _join(
            "https://",
            {"Ref": "HttpApi"},
            ".execute-api.",
            {"Ref": "AWS::Region"},
            ".",
            {"Ref": "AWS::URLSuffix"},
        ),
    }
    authorizers = _authorizers(service, user, resources)
    payload = str(user.get("payload") or "2.0")
    for route_key, key, authorizer, scopes in routes:
        fn_config = (service.config.get("functions") or {}).get(key) or {}
        fn_payload = str((fn_config.get("httpApi") or {}).get("payload") or payload)
        integration = f"HttpApiIntegration{normalize_function_name(key)}"
        resources[f"{normalize_function_name(key)}LambdaPermissionHttpApi"] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": _function_arn(service, key),
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": _api_arn_wildcard(),
            },
        }
        resources[integration] = {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": {"Ref": "HttpApi"},
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": _function_arn(service, key),
                "PayloadFormatVersion": fn_payload,
                "TimeoutInMillis": 30000,
            },
        }
        route: dict[str, Any] = {
            "ApiId": {"Ref": "HttpApi"},
            "RouteKey": "$default" if route_key == "*" else route_key,
            "Target": {"Fn::Join": ["/", ["integrations", {"Ref": integration}]]},
        }
        if authorizer is not None:
            kind = authorizer.get("type")
            if kind == "aws_iam":
                route["AuthorizationType"] = "AWS_IAM"
            else:
                name = authorizer.get("name")
                if name not in authorizers:
                    raise ConfigError(
                        f"{_where(service, ('functions', key, 'events'))}: the httpApi event "
                        f"refers to authorizer {name!r}, which provider.httpApi.authorizers "
                        "does not define"
                    )
                route["AuthorizationType"] = "CUSTOM" if authorizers[name] == "request" else "JWT"
                route["AuthorizerId"] = {"Ref": f"HttpApiAuthorizer{normalize_function_name(name)}"}
                if scopes:
                    route["AuthorizationScopes"] = list(scopes)
        resources[route_logical_id(route_key)] = {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": route,
            "DependsOn": integration,
        }


def _authorizers(service: Service, user: dict[str, Any], resources: dict[str, Any]) -> dict:
    kinds: dict[str, str] = {}
    for name, spec in (user.get("authorizers") or {}).items():
        keys = ("provider", "httpApi", "authorizers", name)
        if not isinstance(spec, dict):
            raise ConfigError(f"{_where(service, keys)}: authorizer {name!r} must be a map")
        kind = spec.get("type") or "jwt"
        sources = _as_list(spec.get("identitySource"))
        props: dict[str, Any] = {
            "ApiId": {"Ref": "HttpApi"},
            "Name": str(spec.get("name") or name),
            "IdentitySource": sources,
        }
        if kind == "request":
            function = spec.get("functionName")
            if bool(function) == bool(spec.get("functionArn")):
                raise ConfigError(
                    f"{_where(service, keys)}: set either functionName or functionArn (not "
                    f"both) on authorizer {name!r}"
                )
            if function and function not in service.functions:
                raise ConfigError(
                    f"{_where(service, keys)}: function {function!r} for HTTP API authorizer "
                    f"{name!r} is not in this service's functions"
                )
            target = spec.get("functionArn") or _function_arn(service, function)
            props.update(
                AuthorizerType="REQUEST",
                AuthorizerPayloadFormatVersion=str(spec.get("payloadVersion") or "2.0"),
                AuthorizerUri=_join(
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":apigateway:",
                    {"Ref": "AWS::Region"},
                    ":lambda:path/2015-03-31/functions/",
                    target,
                    "/invocations",
                ),
            )
            if spec.get("enableSimpleResponses") is not None:
                props["EnableSimpleResponses"] = bool(spec["enableSimpleResponses"])
            if spec.get("resultTtlInSeconds") is not None:
                props["AuthorizerResultTtlInSeconds"] = int(spec["resultTtlInSeconds"])
            if not spec.get("managedExternally"):
                resources[f"{normalize_function_name(name)}LambdaAuthorizerPermissionHttpApi"] = {
                    "Type": "AWS::Lambda::Permission",
                    "Properties": {
                        "FunctionName": target,
                        "Action": "lambda:InvokeFunction",
                        "Principal": "apigateway.amazonaws.com",
                        "SourceArn": _api_arn_wildcard(),
                    },
                }
        else:
            props.update(
                AuthorizerType="JWT",
                JwtConfiguration={
                    "Audience": _as_list(spec.get("audience")),
                    "Issuer": spec.get("issuerUrl"),
                },
            )
        kinds[name] = kind
        resources[f"HttpApiAuthorizer{normalize_function_name(name)}"] = {
            "Type": "AWS::ApiGatewayV2::Authorizer",
            "Properties": props,
        }
    return kinds


def compile_function_urls(
    service: Service, resources: dict[str, Any], outputs: dict[str, Any]
) -> None:
    """``url: true`` (or a map with ``authorizer: aws_iam`` and ``cors``) on a function."""
    for key in service.functions:
        url = ((service.config.get("functions") or {}).get(key) or {}).get("url")
        if not url:
            continue
        spec = url if isinstance(url, dict) else {}
        auth = "AWS_IAM" if spec.get("authorizer") == "aws_iam" else "NONE"
        props: dict[str, Any] = {"AuthType": auth, "TargetFunctionArn": _function_arn(service, key)}
        if spec.get("cors"):
            given = spec["cors"] if isinstance(spec["cors"], dict) else {}
            cors = {
                "AllowHeaders": _as_list(given.get("allowedHeaders")) or list(URL_CORS_HEADERS),
                "AllowMethods": _as_list(given.get("allowedMethods")) or ["*"],
                "AllowOrigins": _as_list(given.get("allowedOrigins")) or ["*"],
            }
            if given.get("allowCredentials"):
                cors["AllowCredentials"] = True
            if given.get("exposedResponseHeaders"):
                cors["ExposeHeaders"] = _as_list(given["exposedResponseHeaders"])
            if given.get("maxAge") is not None:
                cors["MaxAge"] = given["maxAge"]
            props["Cors"] = cors
        logical = f"{normalize_function_name(key)}LambdaFunctionUrl"
        resources[logical] = {"Type": "AWS::Lambda::Url", "Properties": props}
        outputs[logical] = {
            "Description": "Lambda Function URL",
            "Value": {"Fn::GetAtt": [logical, "FunctionUrl"]},
        }
        if auth == "NONE":
            resources[f"{normalize_function_name(key)}LambdaPermissionFnUrl"] = {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": _function_arn(service, key),
                    "Action": "lambda:InvokeFunctionUrl",
                    "Principal": "*",
                    "FunctionUrlAuthType": "NONE",
                },
            }


# -- after the stack: what moto's CloudFormation skipped ----------------------------------------
def create(
    aws: Any, region: str, template: dict[str, Any], physical: dict[str, str]
) -> dict[str, str]:
    """Make (or bring up to date) the template's HTTP API and function URLs; returns
    ``{logical id: physical id}``."""
    from workshop_lib.framework.gaps import Intrinsics

    resources = template.get("Resources", {})
    types = {k: v.get("Type", "") for k, v in resources.items()}
    resolve = Intrinsics(aws, region, physical, types)
    created: dict[str, str] = {}

    def of_type(kind: str) -> list[tuple[str, dict[str, Any]]]:
        return [(k, v) for k, v in resources.items() if v.get("Type") == kind]

    def learn(logical: str, physical: str) -> None:
        created[logical] = physical
        resolve.physical[logical] = physical

    v2 = aws.client("apigatewayv2", region_name=region)
    for logical, spec in of_type("AWS::ApiGatewayV2::Api"):
        props = resolve(spec.get("Properties", {}))
        learn(logical, _put_api(v2, props))
    for logical, spec in of_type("AWS::ApiGatewayV2::Authorizer"):
        props = resolve(spec.get("Properties", {}))
        learn(logical, _put_child(v2, "authorizer", props, "Name"))
    for logical, spec in of_type("AWS::ApiGatewayV2::Integration"):
        props = resolve(spec.get("Properties", {}))
        learn(logical, _put_child(v2, "integration", props, "IntegrationUri"))
    for logical, spec in of_type("AWS::ApiGatewayV2::Route"):
        props = resolve(spec.get("Properties", {}))
        learn(logical, _put_child(v2, "route", props, "RouteKey"))
    for logical, spec in of_type("AWS::ApiGatewayV2::Stage"):
        props = resolve(spec.get("Properties", {}))
        stages = v2.get_stages(ApiId=props["ApiId"])["Items"]
        if any(s["StageName"] == props["StageName"] for s in stages):
            v2.update_stage(**props)  # as CloudFormation updates it: AutoDeploy on again
        else:
            v2.create_stage(**props)
        learn(logical, props["StageName"])
    lam = aws.client("lambda", region_name=region)
    for logical, spec in of_type("AWS::Lambda::Url"):
        props = resolve(spec.get("Properties", {}))
        target = props.pop("TargetFunctionArn")
        try:
            lam.get_function_url_config(FunctionName=target)
        except lam.exceptions.ResourceNotFoundException:
            url = lam.create_function_url_config(FunctionName=target, **props)
        else:
            url = lam.update_function_url_config(FunctionName=target, **props)
        learn(logical, url["FunctionUrl"])
    return created


def _put_api(v2: Any, props: dict[str, Any]) -> str:
    for api in v2.get_apis()["Items"]:
        if api["Name"] == props["Name"] and api.get("ProtocolType") == "HTTP":
            v2.update_api(
                ApiId=api["ApiId"], **{k: v for k, v in props.items() if k != "ProtocolType"}
            )
            return api["ApiId"]
    return v2.create_api(**props)["ApiId"]


_CHILD_ID = {"authorizer": "AuthorizerId", "integration": "IntegrationId", "route": "RouteId"}


def _put_child(v2: Any, kind: str, props: dict[str, Any], key: str) -> str:
    """Create one authorizer, integration or route of an API, or update the one with the
    same ``key`` (name, URI, route key)."""
    plural = {"authorizer": "authorizers", "integration": "integrations", "route": "routes"}[kind]
    listing = getattr(v2, f"get_{plural}")(ApiId=props["ApiId"])["Items"]
    existing = next((item for item in listing if item.get(key) == props.get(key)), None)
    if existing is None:
        return getattr(v2, f"create_{kind}")(**props)[_CHILD_ID[kind]]
    ident = existing[_CHILD_ID[kind]]
    getattr(v2, f"update_{kind}")(**{_CHILD_ID[kind]: ident, **props})
    return ident


def for_moto(template: dict[str, Any]) -> dict[str, Any]:
    """The template without the outputs that name what moto's CloudFormation skips (it
    refuses a stack whose outputs refer to a resource it did not make); the same values
    come back from :func:`endpoints`."""
    skipped = {
        k for k, v in template.get("Resources", {}).items() if v.get("Type") in SKIPPED_TYPES
    }
    if not skipped:
        return template

    def names_skipped(value: Any) -> bool:
        if isinstance(value, dict):
            ref = value.get("Ref")
            att = value.get("Fn::GetAtt")
            if ref in skipped or (isinstance(att, list) and att and att[0] in skipped):
                return True
            return any(names_skipped(v) for v in value.values())
        if isinstance(value, list):
            return any(names_skipped(v) for v in value)
        return False

    outputs = {k: v for k, v in template.get("Outputs", {}).items() if not names_skipped(v)}
    return {**template, "Outputs": outputs}


def deployed_api_id(service: Service, aws: Any) -> str | None:
    """The id of the service's deployed HTTP API (None: it has no httpApi events)."""
    if not _routes(service):
        return None
    name = api_name(service)
    v2 = aws.client("apigatewayv2", region_name=service.region)
    return next((a["ApiId"] for a in v2.get_apis()["Items"] if a["Name"] == name), None)


def endpoints(service: Service, aws: Any) -> list[str]:
    """``serverless info``'s lines for the HTTP API routes and function URLs, as deployed."""
    lines: list[str] = []
    api_id = deployed_api_id(service, aws)
    if api_id is not None:
        base = f"https://{api_id}.execute-api.{service.region}.amazonaws.com"
        for route_key, *_ in _routes(service):
            method, _, path = ("ANY *" if route_key == "*" else route_key).partition(" ")
            lines.append(f"{method} - {base}{path if path != '*' else ''}")
    lam = aws.client("lambda", region_name=service.region)
    for key, fn in service.functions.items():
        if not ((service.config.get("functions") or {}).get(key) or {}).get("url"):
            continue
        try:
            url = lam.get_function_url_config(FunctionName=fn.name)["FunctionUrl"]
        except lam.exceptions.ResourceNotFoundException:
            continue
        lines.append(f"{key}: {url}")
    return lines
