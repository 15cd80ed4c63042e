"""Handlers of the framework's test service (kept tiny: the framework is under test)."""

import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["NOTES_TABLE"])
VERSION = "v1"


def create(event, context):
    body = json.loads(event["body"])
    TABLE.put_item(Item={"id": body["id"], "text": body.get("text", "")})
    return {"statusCode": 201, "body": json.dumps({**body, "version": VERSION})}


def get(event, context):
    item = TABLE.get_item(Key={"id": event["pathParameters"]["id"]}).get("Item")
    if item is None:
        return {"statusCode": 404, "body": json.dumps({"message": "no such note"})}
    return {"statusCode": 200, "body": json.dumps({**item, "greeting": os.environ["GREETING"]})}


def scan(event, context):
    # Scan is not in the role's statements: the sandbox's audit should say so
    items = TABLE.scan()["Items"]
    return {"statusCode": 200, "body": json.dumps({"count": len(items), "version": VERSION})}


def work(event, context):
    for record in event["Records"]:
        note = json.loads(record["body"])
        TABLE.put_item(Item={"id": note["id"], "text": "from the queue"})
    return {"processed": len(event["Records"])}


def auth(event, context):
    token = event.get("authorizationToken") or ""
    if token not in ("Bearer writer", "Bearer reader"):
        raise Exception("Unauthorized")
    effect = "Allow" if token == "Bearer writer" else "Deny"
    statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
    return {
        "principalId": token.split()[1],
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
    }
