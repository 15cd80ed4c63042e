"""moto's model of a Lambda function, read for a run: the function a name and qualifier
name, and the :class:`FunctionSpec` an execution environment is built from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workshop_lib import seams
from workshop_lib.facts import value
from workshop_lib.lambda_runtime import runtimes
from workshop_lib.lambda_runtime.code import CodeError, CodeStore
from workshop_lib.lambda_runtime.environment import FunctionSpec

if TYPE_CHECKING:
    from workshop_lib.sandbox import Sandbox


class FunctionModels:
    """The sandbox's Lambda functions as moto keeps them, and their specs."""

    def __init__(self, aws: Sandbox, code: CodeStore) -> None:
        self.aws, self.code = aws, code
        # id(function) -> (the function, what its spec was made from, the spec)
        self._specs: dict[int, tuple[Any, tuple, FunctionSpec]] = {}

    def backend(self) -> Any:
        """moto's Lambda backend, as ``moto.awslambda.utils.get_backend`` picks it (cheaply)."""
        config = seams.moto_object("moto.core.models:default_user_config")
        if config.get("lambda", {}).get("use_docker", True) is False:
            backends = seams.moto_object("moto.awslambda_simple.models:lambda_simple_backends")
        else:
            backends = seams.moto_object("moto.awslambda.models:lambda_backends")
        return seams.moto_backend(backends, self.aws.account_id, self.aws.region)

    def function(self, name: str, qualifier: str | None = None) -> Any:
        """moto's model of a function (UnknownFunctionException if there is none)."""
        return self.backend().get_function(name, qualifier)

    def spec(self, fn: Any) -> FunctionSpec:
        """The :class:`FunctionSpec` of a moto ``LambdaFunction`` (code unpacked once).

        moto updates a function in place (code, configuration, concurrency), so a spec is
        kept with the attributes it was made from, copies of the mutable ones, and made again
        when any of them differs: every invocation asks, few find a change.
        """
        made_from = (
            fn.function_name,
            fn.function_arn,
            fn.version,
            fn.code_sha_256,
            fn.handler,
            fn.run_time,
            fn.memory_size,
            fn.timeout,
            fn.region,
            fn.environment_vars,
            fn.layers,
            fn.reserved_concurrency,
            getattr(fn, "ephemeral_storage", None),
        )
        kept = self._specs.get(id(fn))
        if kept is not None and kept[0] is fn and kept[1] == made_from:
            return kept[2]
        spec = self._make_spec(fn)
        if len(self._specs) >= 1024:
            self._specs.clear()
        # copies of what moto could change in place, so that such a change shows
        self._specs[id(fn)] = (fn, tuple(map(_copy_of, made_from)), spec)
        return spec

    def _make_spec(self, fn: Any) -> FunctionSpec:
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


def _copy_of(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy_of(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_of(v) for v in value]
    return value
