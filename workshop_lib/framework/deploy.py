"""``serverless deploy`` step by step, into the sandbox (or any AWS-compatible endpoint).

1. package: zip the service, compile the templates (``.serverless/``);
2. create the stack with just the deployment bucket (first deploy only);
3. upload the zip and the compiled template to ``serverless/{service}/{stage}/{time}/``;
4. update the stack with the full template and wait for it;
5. create what moto's CloudFormation skips (:mod:`workshop_lib.framework.gaps`);
6. print the service information.

Like the framework, a deploy whose code and template did not change is skipped unless
``force=True``. ``deploy_function`` swaps one function's code without CloudFormation.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from workshop_lib.framework import compile as cfn
from workshop_lib.framework import gaps, httpapi, iam, subscriptions
from workshop_lib.framework.package import Packages, build_packages, write_state
from workshop_lib.framework.service import Service

Printer = Callable[[str], None]


class DeployError(RuntimeError):
    """The deployment could not finish; the message says what to do."""


@dataclass
class Packaged:
    """What ``package`` produced: the zips, both templates and the upload prefix."""

    packages: Packages
    create_template: dict[str, Any]
    template: dict[str, Any]
    prefix: str
    fingerprint: str
    stamp: int  # ms since the epoch: names the upload prefix and the deployment


@dataclass
class DeployResult:
    """What a deploy did: the stack, whether anything changed, and the service's endpoints."""

    stack_name: str
    changed: bool
    info: Info
    created_outside_cloudformation: dict[str, str] = field(default_factory=dict)


@dataclass
class Info:
    """``serverless info``: stack, stage, region, endpoints, functions, API keys, warnings."""

    service: str
    stage: str
    region: str
    stack_name: str
    endpoint: str | None = None
    rest_api_id: str | None = None
    endpoints: list[str] = field(default_factory=list)
    local_endpoint: str | None = None  # the REST stage on a `workshop sandbox start` server
    functions: dict[str, str] = field(default_factory=dict)
    api_keys: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [
            "service: " + self.service,
            "stage: " + self.stage,
            "region: " + self.region,
            "stack: " + self.stack_name,
        ]
        if self.api_keys:
            lines.append("api keys:")
            lines += [f"  {name}: {value}" for name, value in self.api_keys.items()]
        lines.append("endpoints:" if self.endpoints else "endpoints: none")
        lines += [f"  {e}" for e in self.endpoints]
        if self.local_endpoint:
            lines.append(f"  (the stage on this machine: {self.local_endpoint})")
        lines.append("functions:")
        lines += [f"  {key}: {name}" for key, name in self.functions.items()]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


# -- the steps --------------------------------------------------------------------------------
def now_ms(aws: Any) -> int:
    """The sandbox's clock when there is one (stable names in notebooks), else real time."""
    clock = getattr(aws, "clock", None)
    seconds = clock.time() if clock is not None and aws.mode == "in-process" else time.time()
    return int(seconds * 1000)


def package(
    service: Service, aws: Any | None = None, *, write: bool = True, stamp: int | None = None
) -> Packaged:
    """``serverless package``: zip, templates, and ``.serverless/`` when ``write``."""
    packages = build_packages(service)
    if stamp is None:
        stamp = now_ms(aws) if aws is not None else int(time.time() * 1000)
    iso = datetime.fromtimestamp(stamp / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
    prefix = f"serverless/{service.name}/{service.stage}/{stamp}-{iso[:-3]}Z"
    code = {key: (a.name, a.sha256) for key, a in packages.by_function.items()}
    template = cfn.update_template(service, prefix, code, str(stamp))
    create = cfn.create_template()
    if write:
        write_state(service, packages, create, template)
    fingerprint = _fingerprint(packages, template, prefix, str(stamp))
    return Packaged(packages, create, template, prefix, fingerprint, stamp)


def _fingerprint(packages: Packages, template: dict, prefix: str, stamp: str) -> str:
    """Code and template, without the parts that change on every deploy (time, prefix)."""
    text = json.dumps(template, sort_keys=True).replace(prefix, "PREFIX").replace(stamp, "STAMP")
    shas = "".join(a.sha256 for a in packages.artifacts)
    return hashlib.sha256((shas + text).encode()).hexdigest()


def deploy(
    service: Service,
    aws: Any,
    *,
    force: bool = False,
    verbose: bool = False,
    out: Printer = print,
) -> DeployResult:
    """Deploy the whole service: stack, code, API; returns what :func:`info` reports."""
    _check_region(service, aws)
    aws = _OneClientEach(aws)
    cf = aws.client("cloudformation", region_name=service.region)
    s3 = aws.client("s3", region_name=service.region)
    packaged = package(service, aws)
    out(f"Deploying {service.name} to stage {service.stage} ({service.region})")
    stack = _stack(cf, service.stack_name)
    if stack is None:
        if verbose:
            out("Creating CloudFormation stack with the deployment bucket")
        cf.create_stack(
            StackName=service.stack_name,
            TemplateBody=json.dumps(packaged.create_template),
            Tags=[{"Key": "STAGE", "Value": service.stage}],
        )
        stack = _wait(cf, service.stack_name, out if verbose else None)
    bucket = _output(stack, "ServerlessDeploymentBucketName")
    last_stamp, last_fingerprint = _last_deployment(s3, bucket, service)
    if not force and last_fingerprint == packaged.fingerprint:
        out("Service files not changed. Skipping deployment... (use --force to deploy anyway)")
        return DeployResult(service.stack_name, False, info(service, aws))
    if last_stamp is not None and packaged.stamp <= last_stamp:
        # A frozen sandbox clock has not moved since the last deploy: the same prefix would
        # reuse the same S3 key, and CloudFormation would see no new code. Take the next
        # millisecond, as the next real deploy would.
        packaged = package(service, aws, stamp=last_stamp + 1)
    if verbose:
        out(f"Uploading artifacts to s3://{bucket}/{packaged.prefix}/")
    for artifact in packaged.packages.artifacts:
        s3.put_object(Bucket=bucket, Key=f"{packaged.prefix}/{artifact.name}", Body=artifact.data)
    s3.put_object(
        Bucket=bucket,
        Key=f"{packaged.prefix}/compiled-cloudformation-template.json",
        Body=json.dumps(packaged.template).encode(),
        Metadata={"fingerprint": packaged.fingerprint},
    )
    if verbose:
        out("Updating CloudFormation stack")
    _update_stack(cf, service.stack_name, httpapi.for_moto(packaged.template))
    stack = _wait(cf, service.stack_name, out if verbose else None)
    physical = physical_ids(cf, service.stack_name)
    created = gaps.complete(aws, service.region, packaged.template, physical)
    created.update(httpapi.create(aws, service.region, packaged.template, physical))
    created.update(subscriptions.create(aws, service.region, packaged.template, physical))
    if verbose and created:
        out(f"Created what moto's CloudFormation skips: {', '.join(sorted(created))}")
    result = DeployResult(service.stack_name, True, info(service, aws), created)
    out(f"Service deployed to stack {service.stack_name}")
    out("")
    out(str(result.info))
    return result


def deploy_function(service: Service, aws: Any, key: str, *, out: Printer = print) -> str:
    """``serverless deploy function -f key``: new code (and configuration) for one function,
    straight through the Lambda API: seconds instead of a stack update, but the stack does
    not know (the next full deploy brings them back in line)."""
    _check_region(service, aws)
    fn = service.function(key)
    lam = aws.client("lambda", region_name=service.region)
    try:
        current = lam.get_function(FunctionName=fn.name)["Configuration"]
    except lam.exceptions.ResourceNotFoundException:
        raise DeployError(
            f"function {fn.name} is not deployed yet: run a full `deploy` first"
        ) from None
    artifact = build_packages(service).by_function[key]
    if current.get("CodeSha256") == artifact.sha256:
        out(f"Code not changed. Skipping function deployment ({key})")
    else:
        lam.update_function_code(FunctionName=fn.name, ZipFile=artifact.data)
        out(f"Function code deployed ({key})")
    env = {k: v for k, v in fn.environment.items() if isinstance(v, str)}
    lam.update_function_configuration(
        FunctionName=fn.name,
        Handler=fn.handler,
        MemorySize=fn.memory_mb,
        Timeout=fn.timeout_s,
        Environment={"Variables": env},
    )
    return fn.name


def remove(service: Service, aws: Any, *, out: Printer = print) -> bool:
    """``serverless remove``: empty the deployment bucket, delete the stack and what
    :mod:`gaps` created. Returns False if there was nothing to remove."""
    _check_region(service, aws)
    cf = aws.client("cloudformation", region_name=service.region)
    s3 = aws.client("s3", region_name=service.region)
    stack = _stack(cf, service.stack_name)
    if stack is None:
        out(f"Stack {service.stack_name} does not exist: nothing to remove")
        return False
    body = cf.get_template(StackName=service.stack_name)["TemplateBody"]
    template = json.loads(body) if isinstance(body, str) else body
    bucket = _output(stack, "ServerlessDeploymentBucketName")
    if bucket:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=item["Key"])
    cf.delete_stack(StackName=service.stack_name)
    gaps.remove(aws, service.region, template)
    out(f"Service {service.name} has been successfully removed (stack {service.stack_name})")
    return True


def info(service: Service, aws: Any) -> Info:
    """``serverless info``: what is deployed for this stage, read back from the sandbox."""
    cf = aws.client("cloudformation", region_name=service.region)
    result = Info(service.name, service.stage, service.region, service.stack_name)
    stack = _stack(cf, service.stack_name)
    if stack is None:
        result.warnings.append(f"stack {service.stack_name} is not deployed")
        return result
    physical = physical_ids(cf, service.stack_name)
    result.rest_api_id = physical.get("ApiGatewayRestApi")
    result.endpoint = _output(stack, "ServiceEndpoint")
    for fn in service.functions.values():
        result.functions[fn.key] = fn.name
        for event in fn.http:
            path = f"/{event.path}" if event.path else ""
            result.endpoints.append(f"{event.method.upper()} - {result.endpoint}{path}")
    result.endpoints += httpapi.endpoints(service, aws)
    if result.rest_api_id and getattr(aws, "mode", None) == "server":
        result.local_endpoint = (
            f"{aws.endpoint_url}/restapis/{result.rest_api_id}/{service.stage}/_user_request_"
        )
    apigw = aws.client("apigateway", region_name=service.region)
    names = [
        k if isinstance(k, str) else k.get("name") for k in service.api_gateway.get("apiKeys") or []
    ]
    if names:
        keys = apigw.get_api_keys(includeValues=True, limit=500).get("items", [])
        for key in keys:
            if key["name"] in names:
                result.api_keys[key["name"]] = key.get("value", "")
    result.warnings += iam.warnings(service, aws)
    return result


# -- helpers ----------------------------------------------------------------------------------
class _OneClientEach:
    """The sandbox for one deploy, making one client per service and arguments: the steps
    asked for seven, and each new client takes time to make and leaves cyclic garbage behind."""

    def __init__(self, aws: Any) -> None:
        self._aws = aws
        self._clients: dict[tuple, Any] = {}

    def client(self, service: str, **kwargs: Any) -> Any:
        """``aws.client(service, **kwargs)``, made once."""
        key = (service, tuple(sorted(kwargs.items())))
        if key not in self._clients:
            self._clients[key] = self._aws.client(service, **kwargs)
        return self._clients[key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._aws, name)


def _check_region(service: Service, aws: Any) -> None:
    if getattr(aws, "mode", "") == "in-process" and aws.region != service.region:
        raise DeployError(
            f"{service.name} deploys to {service.region} but this sandbox runs in {aws.region}: "
            f'open it with sandbox(region="{service.region}")'
        )


def _stack(cf: Any, name: str) -> dict[str, Any] | None:
    try:
        stacks = cf.describe_stacks(StackName=name)["Stacks"]
    except cf.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    live = [s for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"]
    return live[0] if live else None


def _wait(cf: Any, name: str, out: Printer | None, timeout_s: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        stack = _stack(cf, name)
        status = stack["StackStatus"] if stack else "DELETE_COMPLETE"
        if not status.endswith("_IN_PROGRESS"):
            break
        if time.monotonic() > deadline:
            raise DeployError(f"stack {name} still {status} after {timeout_s:g} s")
        time.sleep(0.2)
    if out is not None and stack is not None:  # moto records stack events, not resource ones
        pages = cf.get_paginator("list_stack_resources").paginate(StackName=name)
        for item in (i for page in pages for i in page["StackResourceSummaries"]):
            if item.get("LogicalResourceId"):  # moto lists skipped types without a name
                out(
                    f"  CloudFormation - {item['ResourceStatus']} - {item['ResourceType']} - "
                    f"{item['LogicalResourceId']}"
                )
        out(f"  CloudFormation - {status} - AWS::CloudFormation::Stack - {name}")
    if stack is None or not status.endswith("_COMPLETE") or "ROLLBACK" in status:
        reason = (stack or {}).get("StackStatusReason", "")
        raise DeployError(f"stack {name} ended {status}: {reason}")
    return stack


def _update_stack(cf: Any, name: str, template: dict[str, Any]) -> None:
    try:
        cf.update_stack(
            StackName=name,
            TemplateBody=json.dumps(template),
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        )
    except cf.exceptions.ClientError as exc:
        if "No updates are to be performed" not in str(exc):
            raise


def _output(stack: dict[str, Any], key: str) -> str | None:
    for output in stack.get("Outputs") or []:
        if output["OutputKey"] == key:
            return output["OutputValue"]
    return None


def physical_ids(cf: Any, name: str) -> dict[str, str]:
    """``{logical id: physical id}`` of the stack's resources."""
    out: dict[str, str] = {}
    paginator = cf.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=name):
        for item in page["StackResourceSummaries"]:
            if item.get("LogicalResourceId") and item.get("PhysicalResourceId"):
                out[item["LogicalResourceId"]] = item["PhysicalResourceId"]
    return out


def _last_deployment(
    s3: Any, bucket: str | None, service: Service
) -> tuple[int | None, str | None]:
    """The latest deployment's stamp (ms) and fingerprint, from its upload prefix."""
    if not bucket:
        return None, None
    prefix = f"serverless/{service.name}/{service.stage}/"
    keys = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for item in page.get("Contents", [])
        if item["Key"].endswith("compiled-cloudformation-template.json")
    ]
    if not keys:
        return None, None
    stamps = {key: int(key[len(prefix) :].split("-", 1)[0]) for key in keys}
    latest = max(keys, key=stamps.__getitem__)
    head = s3.head_object(Bucket=bucket, Key=latest)
    return stamps[latest], head.get("Metadata", {}).get("fingerprint")
