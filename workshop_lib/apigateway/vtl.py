"""Mapping templates: the subset of Velocity (VTL) that API Gateway templates use.

Supported: references (``$x``, ``${x}``, ``$!x``, property and method chains such as
``$input.json('$.name')``, ``$input.path('$.items')``, ``$input.params('id')``,
``$input.body``, ``$context.requestId``, ``$stageVariables.table``,
``$util.escapeJavaScript(...)``, ``$util.parseJson(...)``, ``$util.urlEncode(...)``,
``$util.base64Encode(...)``), ``#set``, ``#if`` / ``#elseif`` / ``#else`` / ``#end``,
``#foreach`` (with ``$foreach.hasNext`` and ``$velocityCount``), ``#define`` (a block
rendered where its reference is used) and ``##`` comments. A reference whose root exists but
whose value is null renders empty, as API Gateway renders ``$context.authorizer.principalId``
without an authorizer; an unknown root renders as written.
Expressions have string, number, boolean, list and map literals, comparisons and
``&&`` / ``||`` / ``!``. Anything else is rendered as written, as Velocity does.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote, unquote


class TemplateError(ValueError):
    """A template that cannot be rendered (API Gateway answers 500 for these)."""


# -- JSONPath for $input.path / $input.json -----------------------------------------------------
_STEP = re.compile(r"\.([A-Za-z0-9_\-$]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


def json_path(document: Any, path: str) -> Any:
    """The value at a simple JSONPath: ``$``, ``$.a.b``, ``$.a[0]``, ``$['a b']`` (or None)."""
    path = path.strip()
    if not path.startswith("$"):
        raise TemplateError(f"not a JSONPath: {path!r}")
    value, position = document, 1
    while position < len(path):
        step = _STEP.match(path, position)
        if step is None:
            raise TemplateError(f"unsupported JSONPath {path!r}")
        key = step.group(1) or step.group(3) or step.group(4)
        if step.group(2) is not None:
            index = int(step.group(2))
            value = value[index] if isinstance(value, list) and index < len(value) else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
        position = step.end()
    return value


# -- the objects templates see ------------------------------------------------------------------
class Input:
    """``$input``: the request (or, in a response template, the integration's answer)."""

    def __init__(self, body: str, params: dict[str, dict[str, str]]) -> None:
        self.body = body
        self._params = params
        try:
            self._document = json.loads(body) if body else None
        except ValueError:
            self._document = None

    def json(self, path: str = "$") -> str:
        return json.dumps(json_path(self._document, path))

    def path(self, path: str = "$") -> Any:
        return json_path(self._document, path)

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return self._params
        for place in ("path", "querystring", "header"):
            values = self._params.get(place, {})
            if name in values:
                return values[name]
        return ""


class Util:
    """``$util``."""

    def escapeJavaScript(self, text: Any) -> str:  # noqa: N802 - VTL's name
        if text is None:
            return ""
        return json.dumps(str(text))[1:-1].replace("'", "\\'")

    def parseJson(self, text: str) -> Any:  # noqa: N802
        return json.loads(text)

    def urlEncode(self, text: str) -> str:  # noqa: N802
        return quote(str(text), safe="")

    def urlDecode(self, text: str) -> str:  # noqa: N802
        return unquote(str(text))

    def base64Encode(self, text: str) -> str:  # noqa: N802
        return base64.b64encode(str(text).encode()).decode()

    def base64Decode(self, text: str) -> str:  # noqa: N802
        return base64.b64decode(str(text)).decode()


def _call(target: Any, name: str, args: list[Any]) -> Any:
    """A method call on a template value, with Java's names for Python's operations (on a
    null value: null, as Velocity answers)."""
    if target is None:
        return None
    if isinstance(target, (Input, Util)):
        method = getattr(target, name, None)
        if method is None or name.startswith("_"):
            raise TemplateError(f"no method {name}() here")
        return method(*args)
    if isinstance(target, dict):
        table = {
            "get": lambda k: target.get(k),
            "keySet": lambda: list(target),
            "size": lambda: len(target),
            "containsKey": lambda k: k in target,
            "isEmpty": lambda: not target,
            "entrySet": lambda: list(target.items()),
        }
    elif isinstance(target, list):
        table = {
            "get": lambda i: target[int(i)],
            "size": lambda: len(target),
            "isEmpty": lambda: not target,
            "contains": lambda v: v in target,
        }
    elif isinstance(target, str):
        table = {
            "length": lambda: len(target),
            "contains": lambda s: s in target,
            "toLowerCase": target.lower,
            "toUpperCase": target.upper,
            "trim": target.strip,
            "startsWith": target.startswith,
            "endsWith": target.endswith,
            "replace": lambda a, b: target.replace(a, b),
            "replaceAll": lambda pattern, b: re.sub(pattern, b.replace("\\", "\\\\"), target),
            "split": target.split,
            "substring": lambda a, b=None: target[int(a) : None if b is None else int(b)],
            "equals": lambda other: target == other,
            "isEmpty": lambda: not target,
        }
    else:
        table = {}
    if name not in table:
        raise TemplateError(f"no method {name}() on {type(target).__name__}")
    return table[name](*args)


def _attribute(target: Any, name: str) -> Any:
    if isinstance(target, dict):
        return target.get(name)
    if isinstance(target, (Input, Util)) and not name.startswith("_"):
        value = getattr(target, name, None)
        return value if not callable(value) else None
    return None


# -- expressions -------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'[^']*'|"[^"]*")|"""
    r"""(?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\]{},:.=+\-*/])|"""
    r"""(?P<ref>\$!?\{?[A-Za-z_][A-Za-z0-9_]*\}?)|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"""
)


class _Expression:
    """Recursive-descent evaluation of one VTL expression."""

    def __init__(self, text: str, scope: dict[str, Any]) -> None:
        self.tokens = [m for m in _TOKEN.finditer(text) if m.group(0).strip()]
        self.position, self.scope, self.text = 0, scope, text

    def _peek(self) -> str | None:
        return (
            self.tokens[self.position].group(0).strip()
            if self.position < len(self.tokens)
            else None
        )

    def _take(self, expected: str | None = None) -> re.Match:
        if self.position >= len(self.tokens):
            raise TemplateError(f"unexpected end of expression in {self.text!r}")
        token = self.tokens[self.position]
        if expected is not None and token.group(0).strip() != expected:
            raise TemplateError(f"expected {expected!r} in {self.text!r}")
        self.position += 1
        return token

    def value(self) -> Any:
        result = self._or()
        if self.position != len(self.tokens):
            raise TemplateError(f"cannot read {self.text!r}")
        return result

    def _or(self) -> Any:
        left = self._and()
        while self._peek() in ("||", "or"):
            self._take()
            right = self._and()
            left = bool(left) or bool(right)
        return left

    def _and(self) -> Any:
        left = self._not()
        while self._peek() in ("&&", "and"):
            self._take()
            right = self._not()
            left = bool(left) and bool(right)
        return left

    def _not(self) -> Any:
        if self._peek() in ("!", "not"):
            self._take()
            return not self._not()
        return self._compare()

    def _compare(self) -> Any:
        left = self._sum()
        op = self._peek()
        if op in ("==", "!=", "<", ">", "<=", ">="):
            self._take()
            right = self._sum()
            try:
                return (
                    {"==": left == right, "!=": left != right}.get(op)
                    if op in ("==", "!=")
                    else {
                        "<": left < right,
                        ">": left > right,
                        "<=": left <= right,
                        ">=": left >= right,
                    }[op]
                )
            except TypeError:
                return False
        return left

    def _sum(self) -> Any:
        left = self._atom()
        while self._peek() in ("+", "-"):
            op = self._take().group(0).strip()
            right = self._atom()
            if op == "+" and (isinstance(left, str) or isinstance(right, str)):
                left = f"{_text(left)}{_text(right)}"
            else:
                left = left + right if op == "+" else left - right
        return left

    def _atom(self) -> Any:
        token = self._take()
        if token.group("num"):
            number = token.group("num")
            return float(number) if "." in number else int(number)
        if token.group("str"):
            raw = token.group("str")[1:-1]
            return render(raw, self.scope) if token.group("str")[0] == '"' and "$" in raw else raw
        if token.group("word") in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token.group("word")]
        if token.group("op") == "(":
            inner = self._or()
            self._take(")")
            return inner
        if token.group("op") == "[":
            items = []
            while self._peek() != "]":
                items.append(self._or())
                if self._peek() == ",":
                    self._take()
            self._take("]")
            return items
        if token.group("op") == "{":
            mapping = {}
            while self._peek() != "}":
                key = self._or()
                self._take(":")
                mapping[key] = self._or()
                if self._peek() == ",":
                    self._take()
            self._take("}")
            return mapping
        if token.group("ref"):
            name = token.group("ref").lstrip("$!").strip("{}")
            return self._chain(self.scope.get(name))
        raise TemplateError(f"cannot read {token.group(0)!r} in {self.text!r}")

    def _chain(self, value: Any) -> Any:
        while self._peek() == "." or self._peek() == "[":
            if self._take().group(0).strip() == "[":
                index = self._or()
                self._take("]")
                value = (
                    value[index]
                    if isinstance(value, (list, dict))
                    and (index in value if isinstance(value, dict) else index < len(value))
                    else None
                )
                continue
            name = self._take().group(0).strip()
            if self._peek() == "(":
                self._take("(")
                args = []
                while self._peek() != ")":
                    args.append(self._or())
                    if self._peek() == ",":
                        self._take()
                self._take(")")
                value = _call(value, name, args)
            else:
                value = _attribute(value, name)
        return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


# -- templates ---------------------------------------------------------------------------------
_DIRECTIVE = re.compile(
    r"##[^\n]*\n?|#\*.*?\*#|#(set|if|elseif|foreach|define)\s*\(|#\{?(else|end)\b\}?|"
    r"\$!?\{?[A-Za-z_][A-Za-z0-9_]*\}?",
    re.DOTALL,
)


def _balanced(text: str, start: int) -> int:
    """Index just after the ``)`` closing the ``(`` before ``start``."""
    depth, quote_char, index = 1, None, start
    while index < len(text):
        char = text[index]
        if quote_char:
            quote_char = None if char == quote_char else quote_char
        elif char in "'\"":
            quote_char = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    raise TemplateError("unbalanced parentheses in template")


def _reference_end(text: str, start: int) -> int:
    """The end of a reference chain: ``$a.b('c').d[0]``."""
    index = start
    while index < len(text):
        if (
            text[index] == "."
            and index + 1 < len(text)
            and (text[index + 1].isalpha() or text[index + 1] == "_")
        ):
            index += 1
            while index < len(text) and (text[index].isalnum() or text[index] == "_"):
                index += 1
        elif text[index] == "(":
            index = _balanced(text, index + 1)
        elif text[index] == "[":
            close = text.find("]", index)
            if close < 0:
                break
            index = close + 1
        else:
            break
    return index


def _parse(text: str) -> list[Any]:
    """Template text → a tree of ``("text", s)``, ``("ref", expr, silent)`` and directives."""
    root: list[Any] = []
    stack: list[tuple[list[Any], Any]] = [(root, None)]
    position = 0
    for match in _DIRECTIVE.finditer(text):
        if match.start() < position:
            continue
        current = stack[-1][0]
        current.append(("text", text[position : match.start()]))
        token = match.group(0)
        if token.startswith("##") or token.startswith("#*"):
            position = match.end()
        elif token.startswith("$"):
            end = _reference_end(text, match.end())
            current.append(("ref", text[match.start() : end].replace("$!", "$"), "$!" in token))
            position = end
        elif match.group(1):
            end = _balanced(text, match.end())
            argument = text[match.end() : end - 1]
            name = match.group(1)
            if name == "set":
                current.append(("set", argument))
            elif name == "define":
                node = ["define", argument.strip().lstrip("$").strip("{}"), []]
                current.append(node)
                stack.append((node[2], node))
            elif name == "if":
                node = ["if", [(argument, [])], None]
                current.append(node)
                stack.append((node[1][0][1], node))
            elif name == "elseif":
                node = stack.pop()[1]
                node[1].append((argument, []))
                stack.append((node[1][-1][1], node))
            else:
                variable, _, iterable = argument.partition(" in ")
                node = ["foreach", variable.strip().lstrip("$"), iterable.strip(), []]
                current.append(node)
                stack.append((node[3], node))
            position = end
            if text[position : position + 1] == "\n" and name in ("set",):
                position += 1
        elif match.group(2) == "else":
            node = stack.pop()[1]
            if node is None or node[0] != "if":
                raise TemplateError("#else without #if")
            node[2] = []
            stack.append((node[2], node))
            position = match.end()
        else:  # end
            if len(stack) == 1:
                raise TemplateError("#end without #if or #foreach")
            stack.pop()
            position = match.end()
    stack[-1][0].append(("text", text[position:]))
    if len(stack) != 1:
        raise TemplateError("a #if or #foreach has no #end")
    return root


def _run(nodes: list[Any], scope: dict[str, Any], out: list[str]) -> None:
    for node in nodes:
        kind = node[0]
        if kind == "text":
            out.append(node[1])
        elif kind == "ref":
            expression = node[1]
            value = _Expression(expression, scope).value()
            if isinstance(value, _Block):
                _run(value.nodes, scope, out)
            elif value is not None or node[2] or _ROOT.match(expression)[1] in scope:
                out.append(_text(value))
            else:
                out.append(expression)
        elif kind == "define":
            scope[node[1]] = _Block(node[2])
        elif kind == "set":
            name, _, expression = node[1].partition("=")
            scope[name.strip().lstrip("$").strip("{}")] = _Expression(expression, scope).value()
        elif kind == "if":
            for condition, body in node[1]:
                if _Expression(condition, scope).value():
                    _run(body, scope, out)
                    break
            else:
                if node[2] is not None:
                    _run(node[2], scope, out)
        else:
            items = _Expression(node[2], scope).value() or []
            if isinstance(items, dict):
                items = list(items)
            for index, item in enumerate(items):
                scope[node[1]] = item
                scope["velocityCount"] = index + 1
                scope["foreach"] = {
                    "hasNext": index < len(items) - 1,
                    "index": index,
                    "count": index + 1,
                }
                _run(node[3], scope, out)


class _Block:
    """A ``#define``d block: rendered where it is referenced, with the scope of that moment."""

    def __init__(self, nodes: list[Any]) -> None:
        self.nodes = nodes


_ROOT = re.compile(r"\$!?\{?([A-Za-z_][A-Za-z0-9_]*)")


def render(template: str, scope: dict[str, Any]) -> str:
    """Render ``template`` with ``scope`` (``input``, ``context``, ``stageVariables``, ...)."""
    scope = {"util": Util(), **scope}
    out: list[str] = []
    _run(_parse(template), scope, out)
    return "".join(out)
