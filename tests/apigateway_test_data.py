"""Function sources shared by the API Gateway tests."""

AUTHORIZER_SOURCE = """
def handler(event, context):
    token = event.get("authorizationToken") or event["headers"].get("X-Token")
    if token == "expired":
        raise Exception("Unauthorized")
    effect = "Allow" if token in ("good", "admin") else "Deny"
    return {"principalId": "user-" + token,
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke", "Effect": effect,
                "Resource": event["methodArn"].rsplit("/", 2)[0] + "/*"}]},
            "context": {"role": token, "admin": token == "admin", "level": 3}}
"""
