"""``sns`` and ``stream`` events, as Serverless Framework 3 compiles them
(``package/compile/events/sns.js`` and ``stream.js``).

An ``sns`` event names a topic (a name: the topic is created, with the function subscribed in
its ``Subscription`` list; an ARN: an ``AWS::SNS::Subscription`` to it), plus the permission
for SNS to invoke the function. A ``stream`` event (a DynamoDB or Kinesis stream ARN) is an
``AWS::Lambda::EventSourceMapping`` with the framework's defaults (batch size 10, from
``TRIM_HORIZON``). The sandbox delivers both: SNS publishes and stream records reach the
function through moto and the Lambda layer.
"""

from __future__ import annotations

import re
from typing import Any

from workshop_lib.framework.config import ConfigError

#: what moto's CloudFormation skips and :func:`create` makes after the stack
SKIPPED_TYPES = ("AWS::SNS::Subscription",)


def _alnum(name: str) -> str:
    text = re.sub(r"[^0-9A-Za-z]", "", name)
    return text[:1].upper() + text[1:]


def _join(*parts: Any) -> dict[str, Any]:
    return {"Fn::Join": ["", list(parts)]}


def sns(base: str, fn_arn: Any, spec: Any, resources: dict[str, Any], where: str) -> None:
    """Add one ``sns`` event of the function whose normalized name is ``base``."""
    topic_arn: Any = None
    filter_policy = None
    if isinstance(spec, dict):
        topic_arn = spec.get("arn")
        topic_name = spec.get("topicName")
        if isinstance(topic_arn, str):
            topic_name = topic_name or topic_arn.split(":")[-1]
        filter_policy = spec.get("filterPolicy")
        if not topic_name:
            raise ConfigError(f"{where}: sns needs topicName when arn is not a plain ARN string")
    elif isinstance(spec, str) and spec.startswith("arn:"):
        topic_arn, topic_name = spec, spec.split(":")[-1]
    elif isinstance(spec, str):
        topic_name = spec
    else:
        raise ConfigError(f"{where}: sns is a topic name, an ARN, or a map with arn or topicName")
    name = _alnum(str(topic_name))
    subscription: dict[str, Any] = {"Endpoint": fn_arn, "Protocol": "lambda"}
    if topic_arn is not None:
        resources[f"{base}SnsSubscription{name}"] = {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": topic_arn, **subscription,
                           **({"FilterPolicy": filter_policy} if filter_policy else {})},
        }  # fmt: skip
        source_arn = topic_arn
    else:
        topic = f"SNSTopic{name}"
        source_arn = _join(
            "arn:", {"Ref": "AWS::Partition"}, ":sns:", {"Ref": "AWS::Region"}, ":",
            {"Ref": "AWS::AccountId"}, ":", topic_name,
        )  # fmt: skip
        resources.setdefault(
            topic, {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": topic_name}}
        )
        if isinstance(spec, dict) and spec.get("displayName"):
            resources[topic]["Properties"]["DisplayName"] = spec["displayName"]
        if filter_policy:
            resources[f"{base}SnsSubscription{name}"] = {
                "Type": "AWS::SNS::Subscription",
                "Properties": {**subscription, "TopicArn": {"Ref": topic},
                               "FilterPolicy": filter_policy},
            }  # fmt: skip
        else:
            resources[topic]["Properties"].setdefault("Subscription", []).append(subscription)
    resources[f"{base}LambdaPermission{name}SNS"] = {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "FunctionName": fn_arn,
            "Action": "lambda:InvokeFunction",
            "Principal": "sns.amazonaws.com",
            "SourceArn": source_arn,
        },
    }


def stream(base: str, fn_arn: Any, spec: Any, resources: dict[str, Any], where: str) -> None:
    """Add one ``stream`` event (DynamoDB or Kinesis) of the function ``base``."""
    given = spec if isinstance(spec, dict) else {"arn": spec}
    arn = given.get("arn")
    if not arn:
        raise ConfigError(f"{where}: stream needs the stream's arn")
    kind = given.get("type") or (arn.split(":")[2] if isinstance(arn, str) else None)
    if kind not in ("dynamodb", "kinesis"):
        raise ConfigError(f"{where}: stream type must be dynamodb or kinesis (set type:)")
    if isinstance(arn, str):
        stream_name = arn.split("/")[1] if "/" in arn else arn
    elif "Fn::GetAtt" in arn:
        stream_name = arn["Fn::GetAtt"][0]
    elif "Ref" in arn:
        stream_name = arn["Ref"]
    elif "Fn::ImportValue" in arn:
        stream_name = str(arn["Fn::ImportValue"])
    else:
        stream_name = str(list(arn.values())[0])
    props: dict[str, Any] = {
        "BatchSize": given.get("batchSize") or 10,
        "Enabled": given.get("enabled", True),
        "EventSourceArn": arn,
        "FunctionName": fn_arn,
        "StartingPosition": given.get("startingPosition") or "TRIM_HORIZON",
    }
    optional = {
        "batchWindow": "MaximumBatchingWindowInSeconds",
        "maximumRetryAttempts": "MaximumRetryAttempts",
        "bisectBatchOnFunctionError": "BisectBatchOnFunctionError",
        "parallelizationFactor": "ParallelizationFactor",
        "maximumRecordAgeInSeconds": "MaximumRecordAgeInSeconds",
    }
    for key, prop in optional.items():
        if given.get(key) is not None:
            props[prop] = given[key]
    if given.get("functionResponseType"):
        props["FunctionResponseTypes"] = [given["functionResponseType"]]
    resources[f"{base}EventSourceMapping{_upper(kind)}{_alnum(str(stream_name))}"] = {
        "Type": "AWS::Lambda::EventSourceMapping",
        "DependsOn": ["IamRoleLambdaExecution"],
        "Properties": props,
    }


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def create(
    aws: Any, region: str, template: dict[str, Any], physical: dict[str, str]
) -> dict[str, str]:
    """Subscribe what the template's ``AWS::SNS::Subscription`` resources name (moto's
    CloudFormation skips them); an existing subscription of the same endpoint is kept and
    its filter policy brought up to date. ``{logical id: subscription ARN}``."""
    import json

    from workshop_lib.framework.gaps import Intrinsics

    resources = template.get("Resources", {})
    types = {k: v.get("Type", "") for k, v in resources.items()}
    resolve = Intrinsics(aws, region, physical, types)
    sns = aws.client("sns", region_name=region)
    made: dict[str, str] = {}
    for logical, spec in resources.items():
        if spec.get("Type") != "AWS::SNS::Subscription":
            continue
        props = resolve(spec.get("Properties", {}))
        topic, endpoint = props["TopicArn"], props["Endpoint"]
        found = sns.list_subscriptions_by_topic(TopicArn=topic).get("Subscriptions", [])
        arn = next(
            (s["SubscriptionArn"] for s in found
             if s["Endpoint"] == endpoint and s["Protocol"] == props["Protocol"]),
            None,
        )  # fmt: skip
        if arn is None:
            arn = sns.subscribe(
                TopicArn=topic, Protocol=props["Protocol"], Endpoint=endpoint,
                ReturnSubscriptionArn=True,
            )["SubscriptionArn"]  # fmt: skip
        if props.get("FilterPolicy"):
            sns.set_subscription_attributes(
                SubscriptionArn=arn,
                AttributeName="FilterPolicy",
                AttributeValue=json.dumps(props["FilterPolicy"]),
            )
        made[logical] = arn
    return made
