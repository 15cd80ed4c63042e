"""The ``plugins:`` of ``serverless.yml``: what the sandbox does for each.

Three are provided: ``serverless-python-requirements`` (``requirements.txt`` into the zip,
:mod:`workshop_lib.framework.requirements`), ``serverless-wsgi`` (a Flask or Django app on
Lambda: its handler, its configuration file and ``werkzeug`` into the zip, as the plugin's
``package`` hook does; PyPI's ``serverless-wsgi`` does the wrapping at run time) and
``serverless-offline`` (``workshop sls offline``). Any other plugin stops the command with
one line that names it and what it would have done, or, for a plugin that only acts on a
real account after a deploy, a warning: the service is used without it.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from workshop_lib.framework.config import ConfigError

if TYPE_CHECKING:
    from workshop_lib.framework.service import Service

REQUIREMENTS = "serverless-python-requirements"
WSGI = "serverless-wsgi"
OFFLINE = "serverless-offline"
PROVIDED = (REQUIREMENTS, WSGI, OFFLINE)

#: Plugins the sandbox does not provide, and what each would have done. Those in
#: ``AFTER_DEPLOY`` change nothing the sandbox deploys: a warning; the others would have
#: changed the template or the package, so the service cannot be used as intended without.
MISSING = {
    "serverless-lift": "built the `constructs:` (queues, storage, webhooks, websites) as "
    "CloudFormation resources; write them under resources: instead",
    "serverless-step-functions": "created the Step Functions state machines under stepFunctions:",
    "serverless-iam-roles-per-function": "given each function its own IAM role; the "
    "sandbox gives them all the service's role",
    "serverless-dotenv-plugin": "loaded .env into the functions' environment; v3 does that "
    "itself with useDotenv: true",
    "serverless-pseudo-parameters": "replaced #{AWS::Region}-style parameters; v3 has "
    "${aws:region} and ${aws:accountId}",
    "serverless-dynamodb-local": "run DynamoDB Local for offline; the sandbox's DynamoDB "
    "serves offline already",
    "serverless-domain-manager": "mapped a custom domain name to the API",
    "serverless-prune-plugin": "deleted old Lambda versions after each deploy",
    "serverless-plugin-warmup": "invoked the functions on a schedule to keep them warm",
    "serverless-s3-sync": "uploaded local folders to S3 buckets after deploy",
    "serverless-finch": "uploaded a static website to S3",
    "serverless-plugin-tracing": "turned on X-Ray tracing; v3 has provider.tracing",
}
AFTER_DEPLOY = {
    "serverless-dynamodb-local", "serverless-domain-manager", "serverless-prune-plugin",
    "serverless-plugin-warmup", "serverless-s3-sync", "serverless-finch",
    "serverless-plugin-tracing",
}  # fmt: skip


def check(service: Service) -> None:
    """Refuse (or warn about) the plugins the sandbox does not provide; apply
    ``serverless-wsgi``'s handler rename as the plugin does."""
    listed = service.config.get("plugins")
    in_modules = isinstance(listed, dict)
    for index, plugin in enumerate(service.plugins):
        keys = ("plugins", "modules", str(index)) if in_modules else ("plugins", str(index))
        where = service.raw.where(keys)
        if plugin in PROVIDED:
            continue
        does = MISSING.get(plugin)
        if plugin in AFTER_DEPLOY:
            service.warnings.append(
                f"{where}: plugin {plugin!r} is not in the sandbox; it would have {does}: "
                "the service is used without it"
            )
            continue
        what = (
            f"it would have {does}"
            if does
            else "it may add resources or change the package, which the sandbox cannot know"
        )
        raise ConfigError(
            f"{where}: plugin {plugin!r} is not available in the sandbox ({what}); the "
            f"sandbox has {', '.join(PROVIDED)}: remove it from plugins: to go on without it"
        )
    if WSGI in service.plugins:
        _wsgi_check(service)


def _custom(service: Service, key: str) -> dict[str, Any]:
    """``custom.<key>`` of the service (empty if it or ``custom`` is not a mapping)."""
    custom = service.config.get("custom") or {}
    options = custom.get(key) if isinstance(custom, dict) else None
    return options if isinstance(options, dict) else {}


def _wsgi_check(service: Service) -> None:
    for fn in service.functions.values():
        if fn.handler == "wsgi.handler":  # the plugin's own fix-up, with its warnings
            fn.handler = "wsgi_handler.handler"
            service.warnings.append(
                'Please change "wsgi.handler" to "wsgi_handler.handler" in serverless.yml '
                "(serverless-wsgi still accepts it)"
            )
    app = _custom(service, "wsgi").get("app")
    if not app:
        service.warnings.append(
            f"{service.raw.where(('custom',))}: serverless-wsgi: No WSGI app specified, "
            "omitting WSGI handler from package; set custom.wsgi.app: app.app"
        )
    elif not isinstance(app, str) or "." not in app:
        raise ConfigError(
            f"{service.raw.where(('custom', 'wsgi', 'app'))}: custom.wsgi.app must be "
            f"'module.variable' (the WSGI app), not {app!r}; e.g. app: app.app"
        )


def handler_files(service: Service) -> dict[str, bytes]:
    """The files a plugin writes beside the code for ``invoke local`` (serverless-wsgi's
    ``before:invoke:local:invoke`` hook writes its handler files, then removes them)."""
    wsgi = _custom(service, "wsgi") if WSGI in service.plugins else {}
    return _wsgi_files(service, wsgi) if wsgi.get("app") else {}


def function_module(service: Service, key: str) -> str:
    """serverless-python-requirements' ``module:`` of a function packaged individually: the
    folder that becomes the root of its zip and holds its requirements ("." if none)."""
    package = service.config.get("package") or {}
    if REQUIREMENTS not in service.plugins or not package.get("individually"):
        return "."  # the plugin moves modules up only when the service is packaged individually
    spec = (service.config.get("functions") or {}).get(key) or {}
    module = str(spec.get("module") or ".").strip("/")
    return module.removeprefix("./") or "."


def package_contents(service: Service, module: str = ".") -> dict[str, bytes]:
    """``{path in zip: bytes}`` the plugins add to a package (``module``: the folder whose
    requirements a function packaged individually gets)."""
    from workshop_lib.framework import requirements

    contents: dict[str, bytes] = {}
    wsgi = _custom(service, "wsgi") if WSGI in service.plugins else {}
    extra: tuple[str, ...] = ()
    if wsgi.get("app"):
        contents.update(_wsgi_files(service, wsgi))
        if REQUIREMENTS not in service.plugins and wsgi.get("packRequirements") is not False:
            extra = ("werkzeug>2",)  # the plugin's own requirements.txt
    if REQUIREMENTS in service.plugins or extra:
        options = _custom(service, "pythonRequirements") if REQUIREMENTS in service.plugins else {}
        contents.update(
            requirements.bundle(
                service.root / module,
                str(options.get("fileName") or "requirements.txt"),
                extra=extra,
                use_poetry=options.get("usePoetry", True) is not False,
            )
        )
    return contents


def _wsgi_files(service: Service, wsgi: dict[str, Any]) -> dict[str, bytes]:
    """What serverless-wsgi's ``packWsgiHandler`` writes: its handler, the wrapper module
    and ``.serverless-wsgi`` (the app's name, JSON as the plugin writes it)."""
    import serverless_wsgi

    config: dict[str, Any] = {"app": wsgi["app"]}
    if isinstance(wsgi.get("textMimeTypes"), list):
        config["text_mime_types"] = wsgi["textMimeTypes"]
    handler = resources.files("workshop_lib.framework.vendor").joinpath("wsgi_handler.py")
    with open(serverless_wsgi.__file__, "rb") as wrapper:
        wrapper_bytes = wrapper.read()
    return {
        "wsgi_handler.py": handler.read_bytes(),
        "serverless_wsgi.py": wrapper_bytes,
        ".serverless-wsgi": json.dumps(config, separators=(",", ":")).encode(),
    }
