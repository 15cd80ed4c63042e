"""moto's model of a Lambda function, read for a run: the function a name and qualifier
name, and the :class:`FunctionSpec` an execution environment is built from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workshop_lib.facts import value
from workshop_lib.lambda_runtime import logs, runtimes
from workshop_lib.lambda_runtime.code import CodeError, CodeStore
from workshop_lib.lambda_runtime.environment import FunctionSpec

if TYPE_CHECKING:
    from workshop_lib.sandbox import Sandbox


class FunctionModels:
    """The sandbox's Lambda functions as moto keeps them, and their specs."""

    def __init__(self, aws: Sandbox, code: CodeStore) -> None:
        self.aws, self.code = aws, code

    def backend(self) -> Any:
        """moto's Lambda backend, as ``moto.awslambda.utils.get_backend`` picks it (cheaply)."""
        config, simple, full = _MOTO or _import_moto()
        backends = simple if config.get("lambda", {}).get("use_docker", True) is False else full
        return logs.moto_backend(backends, self.aws.account_id, self.aws.region)

    def function(self, name: str, qualifier: str | None = None) -> Any:
        """moto's model of a function (UnknownFunctionException if there is none)."""
        return self.backend().get_function(name, qualifier)

    def spec(self, fn: Any) -> FunctionSpec:
        """The :class:`FunctionSpec` of a moto ``LambdaFunction`` (code unpacked once)."""
        try:
            code_dir = self.code.function_dir(fn.code_sha_256, fn.code_bytes)
        except CodeError as exc:
            raise runtimes.InvalidParameterValueException(str(exc)) from None
        layer_paths: tuple[str, ...] = ()
        if fn.layers:
            python = f"python{'.'.join(runtimes.python_version_of(fn.run_time))}"
            layers = [self._layer_code(layer["Arn"]) for layer in fn.layers]
            layer_paths = tuple(self.code.layer_paths(layers, python))
        reserved = fn.reserved_concurrency
        return FunctionSpec(
            name=fn.function_name,
            arn=fn.function_arn,
            version=str(fn.version),
            handler=fn.handler or "",
            runtime=fn.run_time or "",
            memory_mb=int(fn.memory_size),
            timeout_s=float(fn.timeout),
            region=fn.region,
            variables=dict(fn.environment_vars or {}),
            code_dir=str(code_dir),
            layer_paths=layer_paths,
            reserved_concurrency=None if reserved is None else int(reserved),
            tmp_mb=int(getattr(fn, "ephemeral_storage", None) or value("lambda.tmp_default_mb")),
        )

    def _layer_code(self, arn: str) -> tuple[str, bytes]:
        layer = self.backend().layers_versions_by_arn(arn)
        return layer.code_sha_256, layer.code_bytes


#: moto's user configuration and its two Lambda backend registries, imported on first use
#: (an import statement in ``backend`` would run on every served request)
_MOTO: tuple[Any, Any, Any] | None = None


def _import_moto() -> tuple[Any, Any, Any]:
    global _MOTO
    from moto.awslambda.models import lambda_backends
    from moto.awslambda_simple.models import lambda_simple_backends
    from moto.core.models import default_user_config

    _MOTO = (default_user_config, lambda_simple_backends, lambda_backends)
    return _MOTO
