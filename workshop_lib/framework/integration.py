"""``integration: lambda`` (and ``lambda-proxy``) on ``http`` events, as the framework
compiles them.

Serverless Framework 3 (``package/compile/events/api-gateway/lib/method/integration.js``,
``responses.js`` and ``validate.js``): ``lambda`` is API Gateway's ``AWS`` integration with
``PassthroughBehavior`` ``NEVER`` unless ``request.passThrough`` says otherwise, the
framework's default request templates for ``application/json`` and
``application/x-www-form-urlencoded`` (the event is ``{body, method, principalId, stage,
cognitoPoolClaims, enhancedAuthContext, headers, query, path, identity, stageVariables,
requestPath}``), ``request.template`` replacing or (``null``) removing one, and one
integration and method response per status code: the framework's defaults (200, and 400 to
504 selected by ``[400]``-style markers in the function's error message) or
``response.statusCodes`` with their ``pattern``, ``template`` and ``headers``.
"""

from __future__ import annotations

from typing import Any

_COMMON_TEMPLATE = """
  #define( $loop )
    {
    #foreach($key in $map.keySet())
        #set( $k = $util.escapeJavaScript($key) )
        #set( $v = $util.escapeJavaScript($map.get($key)).replaceAll("\\\\'", "'") )
        "$k":
          "$v"
          #if( $foreach.hasNext ) , #end
    #end
    }
  #end

  {
    "body": $body,
    "method": "$context.httpMethod",
    "principalId": "$context.authorizer.principalId",
    "stage": "$context.stage",

    "cognitoPoolClaims" : {
       extraCognitoPoolClaims
       "sub": "$context.authorizer.claims.sub"
    },

    #set( $map = $context.authorizer )
    "enhancedAuthContext": $loop,

    #set( $map = $input.params().header )
    "headers": $loop,

    #set( $map = $input.params().querystring )
    "query": $loop,

    #set( $map = $input.params().path )
    "path": $loop,

    #set( $map = $context.identity )
    "identity": $loop,

    #set( $map = $stageVariables )
    "stageVariables": $loop,

    "requestPath": "$context.resourcePath"
  }
"""

DEFAULT_JSON_REQUEST_TEMPLATE = f"""
    #set( $body = $input.json("$") )

    {_COMMON_TEMPLATE}
  """

DEFAULT_FORM_URL_ENCODED_REQUEST_TEMPLATE = f"""
    #define( $body )
      {{
      #foreach( $token in $input.path('$').split('&') )
        #set( $keyVal = $token.split('=') )
        #set( $keyValSize = $keyVal.size() )
        #if( $keyValSize >= 1 )
          #set( $key = $util.escapeJavaScript($util.urlDecode($keyVal[0])) )
          #if( $keyValSize >= 2 )
            #set($val = $util.escapeJavaScript($util.urlDecode($keyVal[1])).replaceAll("\\\\'","'"))
          #else
            #set( $val = '' )
          #end
          "$key": "$val"#if($foreach.hasNext),#end
        #end
      #end
      }}
    #end

    {_COMMON_TEMPLATE}
  """

DEFAULT_STATUS_CODES: dict[str, dict[str, str]] = {
    "200": {"pattern": ""},
    "400": {"pattern": r"[\s\S]*\[400\][\s\S]*"},
    "401": {"pattern": r"[\s\S]*\[401\][\s\S]*"},
    "403": {"pattern": r"[\s\S]*\[403\][\s\S]*"},
    "404": {"pattern": r"[\s\S]*\[404\][\s\S]*"},
    "422": {"pattern": r"[\s\S]*\[422\][\s\S]*"},
    "500": {"pattern": r"[\s\S]*(Process\s?exited\s?before\s?completing\s?request|\[500\])[\s\S]*"},
    "502": {"pattern": r"[\s\S]*\[502\][\s\S]*"},
    "504": {"pattern": r"([\s\S]*\[504\][\s\S]*)|(.*Task timed out after \d+\.\d+ seconds$)"},
}


def integration_type(spec: dict[str, Any]) -> str:
    """API Gateway's integration type for an ``http`` event (``lambda`` → ``AWS``)."""
    given = spec.get("integration")
    if given:
        normalized = str(given).upper().replace("-", "_", 1)
        return {"LAMBDA": "AWS", "LAMBDA_PROXY": "AWS_PROXY"}.get(normalized, normalized)
    return "AWS" if spec.get("async") else "AWS_PROXY"


def _claims(spec: dict[str, Any]) -> str:
    authorizer = spec.get("authorizer")
    claims = authorizer.get("claims") if isinstance(authorizer, dict) else None
    parts = []
    for claim in claims or []:
        claim = str(claim)
        if ":" in claim:
            parts.append(f'"{claim.split(":", 1)[1]}": "$context.authorizer.claims[\'{claim}\']"')
        else:
            parts.append(f'"{claim}": "$context.authorizer.claims.{claim}"')
    return ",".join(parts) + "," if parts else ""


def lambda_integration(spec: dict[str, Any], cors: dict[str, Any] | None, uri: Any) -> dict:
    """``{"Integration": ..., "MethodResponses": ...}`` of an ``integration: lambda`` event."""
    request = spec.get("request") if isinstance(spec.get("request"), dict) else {}
    templates = {
        "application/json": DEFAULT_JSON_REQUEST_TEMPLATE,
        "application/x-www-form-urlencoded": DEFAULT_FORM_URL_ENCODED_REQUEST_TEMPLATE,
    }
    custom = request.get("template")
    if isinstance(custom, dict):
        for content_type, template in custom.items():
            if template is None:
                templates.pop(content_type, None)
            else:
                templates[content_type] = template
    claims = _claims(spec)
    templates = {k: v.replace("extraCognitoPoolClaims", claims) for k, v in templates.items()}
    response = spec.get("response") if isinstance(spec.get("response"), dict) else {}
    codes = dict(response.get("statusCodes") or DEFAULT_STATUS_CODES)
    codes = {str(k): (v or {}) for k, v in codes.items()}
    if not any(c.get("pattern", None) == "" for c in codes.values()):
        codes["200"] = DEFAULT_STATUS_CODES["200"]
    headers: dict[str, str] = {}
    if cors is not None:
        origin = cors.get("origin") or ",".join(cors.get("origins") or []) or "*"
        headers["Access-Control-Allow-Origin"] = f"'{origin}'"
        if cors.get("allowCredentials"):
            headers["Access-Control-Allow-Credentials"] = "true"
    headers.update(response.get("headers") or {})
    integration_responses, method_responses = [], []
    for status, config in codes.items():
        parameters = {f"method.response.header.{h}": v for h, v in headers.items()}
        parameters.update(
            {f"method.response.header.{h}": v for h, v in (config.get("headers") or {}).items()}
        )
        response_templates: dict[str, str] = {}
        if response.get("template"):
            response_templates["application/json"] = response["template"]
        if config.get("template"):
            given = config["template"]
            response_templates.update(
                {"application/json": given} if isinstance(given, str) else given
            )
        entry: dict[str, Any] = {
            "StatusCode": status,
            "SelectionPattern": config.get("pattern", ""),
            "ResponseParameters": parameters,
            "ResponseTemplates": response_templates,
        }
        if status.startswith("2") and response.get("contentHandling"):
            entry["ContentHandling"] = response["contentHandling"]
        integration_responses.append(entry)
        method_responses.append(
            {
                "ResponseParameters": {k: True for k in parameters},
                "ResponseModels": {},
                "StatusCode": status,
            }
        )
    integration: dict[str, Any] = {
        "IntegrationHttpMethod": "POST",
        "Type": "AWS",
        "Uri": uri,
        "PassthroughBehavior": request.get("passThrough") or "NEVER",
        "RequestTemplates": templates,
        "IntegrationResponses": integration_responses,
    }
    if request.get("contentHandling"):
        integration["ContentHandling"] = request["contentHandling"]
    parameters = {
        f"integration.{key.removeprefix('method.')}": key
        for key in _method_parameters(request.get("parameters") or {})
    }
    if spec.get("async"):
        parameters["integration.request.header.X-Amz-Invocation-Type"] = "'Event'"
    if parameters:
        integration["RequestParameters"] = parameters
    return {"Integration": integration, "MethodResponses": method_responses}


def _method_parameters(parameters: dict[str, Any]) -> list[str]:
    names = []
    for location in ("querystrings", "paths", "headers"):
        for name in (parameters.get(location) or {}) if isinstance(parameters, dict) else {}:
            names.append(f"method.request.{location[:-1]}.{name}")
    return names
