"""Helpers for tests/test_service_reliability.py: a raw HTTP client, tokens, and the fuzzer.

The fuzzer draws each request from a seeded ``random.Random`` and knows, from what it has
sent so far (its ledger of created releases), which status codes are acceptable for it:
a valid create of a new (id, release) must be 201, the same create again 409, a hostile
body 400/413, a missing key 403, a bad token 401, and so on. The test then checks every
answer for 5xx, leaked internals and the error shape.
"""

from __future__ import annotations

import base64
import http.client
import json
import random
import re
import string
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import jwt
from jwt.warnings import InsecureKeyLengthWarning

SERVICE_PREFIX = "fz-"  # ids the fuzzer creates; other tests use other prefixes
MAX_BODY_BYTES = 64 * 1024  # the service's own limit (apps/logic.py)
GATEWAY_MAX_BODY = 10 * 1024 * 1024  # API Gateway's REST payload limit

# What must never reach a client: stack traces, SDK names, file system paths, our table.
LEAK_MARKERS = (
    "Traceback",
    'File "',
    "botocore",
    "boto3",
    "Exception",
    "/site-packages/",
    "Errno",
    "apps-dev",  # the table's name
    "arn:aws",
    "JWT_SECRET",
)
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:home|usr|tmp|var|opt|work|root|etc|proc|lib)/")


def leaks(text: str) -> list[str]:
    """The internal details found in a response body."""
    found = [marker for marker in LEAK_MARKERS if marker in text]
    found += [f"path {m.group(0)!r}" for m in ABSOLUTE_PATH.finditer(text)]
    return found


# -- tokens ----------------------------------------------------------------------------------
def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def hs256(claims: dict[str, Any], secret: str, algorithm: str = "HS256") -> str:
    with warnings.catch_warnings():  # PyJWT warns about short keys: HS512 wants 64 bytes
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, secret, algorithm=algorithm)


def unsigned(claims: dict[str, Any]) -> str:
    """An ``alg: none`` token: header and claims, empty signature."""
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def claims(sub: Any = "fuzzer", scope: Any = "apps:write", ttl_s: int = 3600) -> dict[str, Any]:
    now = int(time.time())  # functions check exp on real time, not the sandbox clock
    return {"sub": sub, "scope": scope, "iat": now, "exp": now + ttl_s}


def bad_authorizations(secret: str) -> dict[str, str | bytes]:
    """Authorization header values the authorizer must answer 401 for."""
    good = hs256(claims(), secret)
    no_sub = claims()
    del no_sub["sub"]
    no_exp = claims()
    del no_exp["exp"]
    future = {**claims(), "nbf": int(time.time()) + 3600}
    return {
        "expired": "Bearer " + hs256(claims(ttl_s=-60), secret),
        "wrong-secret": "Bearer " + hs256(claims(), "not-the-secret-but-long-enough-for-hs256!"),
        "alg-none": "Bearer " + unsigned(claims()),
        "alg-none-no-dot": "Bearer " + unsigned(claims())[:-1],
        "hs512": "Bearer " + hs256(claims(), secret, "HS512"),
        "no-sub": "Bearer " + hs256(no_sub, secret),
        "no-exp": "Bearer " + hs256(no_exp, secret),
        "not-yet-valid": "Bearer " + hs256(future, secret),
        "sub-not-a-string": "Bearer " + hs256(claims(sub=42), secret),
        "tampered-claims": "Bearer "
        + ".".join([good.split(".")[0], _b64(claims(sub="mallory")), good.split(".")[2]]),
        "no-scheme": good,
        "basic": "Basic " + base64.b64encode(b"alice:secret").decode(),
        "bearer-only": "Bearer",
        "bearer-space": "Bearer    ",
        "three-dots": "Bearer a.b.c",
        "garbage": "Bearer " + "A" * 6000,
        "two-tokens": f"Bearer {good} {good}",
        # (a NUL in a header never reaches the authorizer: the served API's framing answers
        # 400, tests/test_http_conformance.py)
        "emoji": ("Bearer 🔑." + good).encode(),
        "json": 'Bearer {"alg":"none"}',
    }


def forbidden_authorizations(secret: str) -> dict[str, str]:
    """Valid tokens without the write scope: the authorizer's Deny, 403."""
    return {
        "no-scope": "Bearer " + hs256(claims(scope=""), secret),
        "read-scope": "Bearer " + hs256(claims(scope="apps:read"), secret),
        "scope-as-list": "Bearer " + hs256(claims(scope=["apps:write"]), secret),
        "scope-prefix": "Bearer " + hs256(claims(scope="apps:writer"), secret),
    }


# -- a raw HTTP client -----------------------------------------------------------------------
@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class RawClient:
    """http.client on one keep-alive connection: the path goes out exactly as given
    (requests/urllib3 would normalise ``/apps/../x``), headers may be bytes."""

    def __init__(self, base_url: str) -> None:
        host_port, _, stage = base_url.removeprefix("http://").partition("/")
        self.host, _, port = host_port.partition(":")
        self.port, self.prefix = int(port), "/" + stage
        self.connection: http.client.HTTPConnection | None = None

    def send(
        self,
        method: str,
        path: str,
        headers: dict[str, str | bytes] | None = None,
        body: bytes | None = None,
    ) -> Answer:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        connection = self.connection
        connection.putrequest(method, self.prefix + path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None or method in ("POST", "PUT", "PATCH"):
            connection.putheader("Content-Length", str(len(body or b"")))
        connection.endheaders(body)
        response = connection.getresponse()
        data = response.read()
        if response.will_close:
            self.close()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# -- the fuzzer ------------------------------------------------------------------------------
@dataclass
class Case:
    """One generated request and the status codes that are correct answers to it."""

    kind: str
    method: str
    path: str
    headers: dict[str, str | bytes]
    body: bytes | None
    expect: set[int]
    on_answer: Callable[[Answer], list[str]] | None = None  # further checks; problems

    def describe(self) -> str:
        body = self.body if self.body is None or len(self.body) <= 120 else self.body[:120]
        size = "" if self.body is None else f" ({len(self.body)} bytes)"
        return f"[{self.kind}] {self.method} {self.path[:160]!r} body={body!r}{size}"


@dataclass
class Fuzzer:
    rng: random.Random
    key: str
    secret: str
    other_keys: list[str]
    ledger: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    deleted: set[tuple[str, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.token = "Bearer " + hs256(claims(), self.secret)
        self.bad_tokens = list(bad_authorizations(self.secret).items())
        self.denied_tokens = list(forbidden_authorizations(self.secret).items())
        self.generators: list[tuple[float, Callable[[], Case]]] = [
            (14, self.valid_create),
            (5, self.duplicate_create),
            (25, self.bad_body),
            (8, self.read_existing),
            (4, self.read_missing),
            (3, self.delete_existing),
            (2, self.delete_missing),
            (4, self.list_apps),
            (10, self.hostile_path),
            (8, self.unknown_route_or_method),
            (7, self.bad_key),
            (10, self.bad_token),
            (4, self.odd_content_type),
        ]

    def next_case(self) -> Case:
        weights = [w for w, _ in self.generators]
        generator = self.rng.choices([g for _, g in self.generators], weights)[0]
        return generator()

    # -- building blocks ---------------------------------------------------------------------
    def writer(self) -> dict[str, str | bytes]:
        return {"x-api-key": self.key, "Authorization": self.token}

    def reader(self) -> dict[str, str | bytes]:
        return {"x-api-key": self.key}

    def app_id(self) -> str:
        """A valid id: mostly from a small pool (so apps get several releases), sometimes odd."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.8:
            return f"{SERVICE_PREFIX}app-{rng.randrange(40)}"
        if roll < 0.9:
            return (SERVICE_PREFIX + "x" * 64)[:64]
        chars = string.ascii_letters + string.digits + "_-"
        return SERVICE_PREFIX + "".join(rng.choice(chars) for _ in range(rng.randint(1, 20)))

    def release(self) -> int:
        rng = self.rng
        return rng.choice([rng.randint(1, 50), rng.randint(1, 2_147_483_647), 2_147_483_647, 1])

    def new_key(self) -> tuple[str, int]:
        while True:
            key = (self.app_id(), self.release())
            if key not in self.ledger:
                return key

    def valid_body(self, app_id: str, release: int) -> dict[str, Any]:
        rng = self.rng
        body: dict[str, Any] = {
            "id": app_id,
            "release": release,
            "version": rng.choice(["1.0.0", "2.10.3-rc.1", "0.0.1+build.7", "10.20.30"]),
        }
        if rng.random() < 0.5:
            body["notes"] = rng.choice(
                ["Fixes a crash", "مرحبا بالعالم \u202e", "🚀 emoji ✅", "a" * 1000, "", "中文"]
            )
        if rng.random() < 0.3:
            body["url"] = rng.choice(["https://example.com/d.zip", "http://127.0.0.1:1/x"])
        return body

    def create_case(
        self,
        kind: str,
        body: dict[str, Any],
        headers: dict[str, str | bytes],
        data: bytes | None = None,
    ) -> Case:
        key = (body["id"], body["release"])
        if data is None:
            data = json.dumps(body, ensure_ascii=self.rng.random() < 0.5).encode()
        duplicate = key in self.ledger

        def record(answer: Answer) -> list[str]:
            if answer.status != 201:
                return []
            self.ledger[key] = body
            self.deleted.discard(key)
            expected = f"/dev/apps/{key[0]}/releases/{key[1]}"
            problems = []
            if answer.headers.get("location") != expected:
                problems.append(f"Location {answer.headers.get('location')!r} != {expected!r}")
            stored = answer.json()
            if {k: stored.get(k) for k in body} != body:
                problems.append(f"201 body {stored!r} does not echo {body!r}")
            return problems

        return Case(kind, "POST", "/apps", headers, data, {409} if duplicate else {201}, record)

    # -- generators --------------------------------------------------------------------------
    def valid_create(self) -> Case:
        app_id, release = self.new_key()
        return self.create_case("valid-create", self.valid_body(app_id, release), self.writer())

    def duplicate_create(self) -> Case:
        if not self.ledger:
            return self.valid_create()
        app_id, release = self.rng.choice(sorted(self.ledger))
        body = self.valid_body(app_id, release)  # other version/notes: still the same key
        return self.create_case("duplicate-create", body, self.writer())

    def bad_body(self) -> Case:
        rng = self.rng
        app_id, release = self.new_key()
        good = {"id": app_id, "release": release, "version": "1.0.0"}
        variants: list[tuple[str, bytes | None, set[int]]] = []

        def as_json(value: Any) -> bytes:
            return json.dumps(value).encode()

        for field_name, bad in [
            ("release", "3"),
            ("release", 1.5),
            ("release", True),
            ("release", None),
            ("release", 0),
            ("release", -1),
            ("release", 2_147_483_648),
            ("release", 10**400),
            ("release", [1]),
            ("id", 123),
            ("id", ["a"]),
            ("id", {"$ne": ""}),
            ("id", ""),
            ("id", "x" * 65),
            ("id", ".hidden"),
            ("id", "a..b"),
            ("id", "../../etc/passwd"),
            ("id", "app\n"),
            ("id", "app\x00"),
            ("id", "é"),
            ("id", "🚀"),
            ("id", "\u202eevil"),
            ("id", "a b"),
            ("version", 1.0),
            ("version", "1.0"),
            ("version", "v1.0.0"),
            ("version", "1.0.0\n"),
            ("version", "1" * 70),
            ("notes", 7),
            ("notes", "n" * 1001),
            ("url", "javascript:alert(1)"),
            ("url", "ftp://example.com/x"),
            ("url", "http://[::1"),
            ("url", "https://" + "a" * 3000 + ".com"),
            ("url", "https://example.com/\x00"),
        ]:
            variants.append((f"wrong-{field_name}", as_json({**good, field_name: bad}), {400}))
        for missing in ("id", "release", "version"):
            body = dict(good)
            del body[missing]
            variants.append((f"missing-{missing}", as_json(body), {400}))
        for extra in ("createdBy", "createdAt", "isAdmin", "__proto__", "$where", "ID"):
            variants.append((f"extra-{extra}", as_json({**good, extra: "x"}), {400}))
        variants += [
            ("empty", b"", {400}),
            ("empty-object", b"{}", {400}),
            ("null", b"null", {400}),
            ("array", as_json([good]), {400}),
            ("string", b'"hello"', {400}),
            ("number", b"42", {400}),
            ("nan", b'{"id": "a", "release": NaN, "version": "1.0.0"}', {400}),
            ("infinity", b'{"id": "a", "release": Infinity, "version": "1.0.0"}', {400}),
            ("truncated", as_json(good)[:-3], {400}),
            ("single-quotes", b"{'id': 'a', 'release': 1, 'version': '1.0.0'}", {400}),
            ("trailing-comma", b'{"id": "a", "release": 1, "version": "1.0.0",}', {400}),
            ("xml", b"<release><id>a</id></release>", {400}),
            ("form", f"id={app_id}&release={release}&version=1.0.0".encode(), {400}),
            ("binary", rng.randbytes(rng.randint(1, 2000)), {400}),
            ("utf16", json.dumps(good).encode("utf-16"), {400}),
            ("invalid-utf8", b'{"id": "\xff\xfe", "release": 1, "version": "1.0.0"}', {400}),
            ("nested-deep", b"[" * 20_000 + b"]" * 20_000, {400}),
            ("nested-in-field", as_json({**good, "id": json.loads("[" * 400 + "]" * 400)}), {400}),
            ("huge-id", as_json({**good, "id": "i" * 60_000}), {400}),
            ("huge-notes", as_json({**good, "notes": "n" * 70_000}), {413}),
            ("huge-padding", as_json(good) + b" " * MAX_BODY_BYTES, {413}),
            ("huge-nested", b"[" * 40_000 + b"]" * 40_000, {413}),
            ("many-keys", as_json({**good, **{f"k{i}": i for i in range(3000)}}), {400}),
            ("duplicate-keys", b'{"id": "a", "id": 5, "release": 1, "version": "1.0.0"}', {400}),
        ]
        if rng.random() < 0.02:  # over API Gateway's limit: a few 10 MB uploads per run
            variants = [("gateway-limit", b"{" + b" " * GATEWAY_MAX_BODY + b"}", {413})]
        if rng.random() < 0.03:  # a UTF-8 byte order mark: JSON parsers may skip it (RFC 8259)
            body = self.valid_body(app_id, release)
            data = b"\xef\xbb\xbf" + as_json(body)
            return self.create_case("bad-body:bom", body, self.writer(), data)
        name, data, expect = rng.choice(variants)
        return Case(f"bad-body:{name}", "POST", "/apps", self.writer(), data, expect)

    def read_existing(self) -> Case:
        if not self.ledger:
            return self.read_missing()
        app_id, release = self.rng.choice(sorted(self.ledger))
        if self.rng.random() < 0.5:
            path = f"/apps/{app_id}"

            def check(answer: Answer) -> list[str]:
                releases = [r["release"] for r in answer.json()["releases"]]
                return [] if release in releases else [f"release {release} not in {releases}"]
        else:
            path = f"/apps/{app_id}/releases/{release}"

            def check(answer: Answer) -> list[str]:
                got = answer.json()
                return [] if got["release"] == release else [f"got {got!r}"]

        return Case("read-existing", "GET", path, self.reader(), None, {200}, check)

    def read_missing(self) -> Case:
        app_id = f"{SERVICE_PREFIX}never-{self.rng.randrange(10**6)}"
        path = self.rng.choice([f"/apps/{app_id}", f"/apps/{app_id}/releases/7"])
        return Case("read-missing", "GET", path, self.reader(), None, {404})

    def delete_existing(self) -> Case:
        if not self.ledger:
            return self.delete_missing()
        key = self.rng.choice(sorted(self.ledger))

        def forget(answer: Answer) -> list[str]:
            if answer.status == 204:
                del self.ledger[key]
                self.deleted.add(key)
                return [] if answer.body == b"" else [f"204 with a body {answer.body!r}"]
            return []

        path = f"/apps/{key[0]}/releases/{key[1]}"
        return Case("delete-existing", "DELETE", path, self.writer(), None, {204}, forget)

    def delete_missing(self) -> Case:
        path = f"/apps/{SERVICE_PREFIX}never/releases/{self.rng.randint(1, 99)}"
        return Case("delete-missing", "DELETE", path, self.writer(), None, {404})

    def list_apps(self) -> Case:
        rng = self.rng
        forged = base64.urlsafe_b64encode(b'{"id": "../x", "release": 1}').decode().rstrip("=")
        query, expect = rng.choice(
            [
                ("", {200}),
                ("?limit=1", {200}),
                ("?limit=100", {200}),
                ("?limit=0", {400}),
                ("?limit=101", {400}),
                ("?limit=-1", {400}),
                ("?limit=1e3", {400}),
                ("?limit=%F0%9F%9A%80", {400}),
                ("?limit=%00", {400}),
                ("?cursor=garbage!", {400}),
                ("?cursor=" + forged, {400}),
                ("?cursor=" + "A" * 600, {400}),
                ("?cursor=..%2F..%2Fetc", {400}),
                ("?limit=5&limit=x", {400}),
                ("?unknown=1", {200}),
            ]
        )

        def check(answer: Answer) -> list[str]:
            if answer.status != 200:
                return []
            body = answer.json()
            return [] if set(body) == {"items", "nextCursor"} else [f"list body {body!r}"]

        return Case(f"list{query[:20]}", "GET", "/apps" + query, self.reader(), None, expect, check)

    def hostile_path(self) -> Case:
        rng = self.rng
        app = self.rng.choice(sorted(self.ledger))[0] if self.ledger else "fz-app-1"
        segments = [
            quote("é", safe=""),
            quote("🚀", safe=""),
            quote("\u202eevil", safe=""),
            "a%00b",
            "%00",
            "..",
            "%2e%2e",
            "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "..%2f..%2fetc%2fpasswd",
            "%252e%252e%252f",
            ".hidden",
            "a..b",
            quote("a b", safe=""),
            "a%2Fb",
            "%0d%0aSet-Cookie:x=1",
            "x" * 65,
            "x" * rng.choice([500, 2000, 7000]),
            quote("' OR 1=1 --", safe=""),
            "%7B%22%24ne%22%3A1%7D",
        ]
        bad = rng.choice(segments)
        method, headers = rng.choice([("GET", self.reader()), ("DELETE", self.writer())])
        release_bad = rng.choice(
            ["0", "-1", "1.5", "1e3", "01x", "%207", "%D9%A7", "2147483648", "9" * 40, "..", "a"]
        )
        path = rng.choice(
            [
                f"/apps/{bad}",
                f"/apps/{bad}/releases/1",
                f"/apps/{app}/releases/{release_bad}",
                f"/apps/../apps/{app}",
                f"/apps/{app}/../../../etc/passwd",
                f"/apps/{app}/releases/../../{app}",
                "/apps/" + "/".join(["a"] * rng.choice([100, 1000])),
                f"/apps/{bad}/releases/{release_bad}",
            ]
        )
        # 400 from the service's checks, 403 from the gateway for a path that matches no route
        return Case("hostile-path", method, path, headers, None, {400, 403})

    def unknown_route_or_method(self) -> Case:
        rng = self.rng
        app_id, release = rng.choice(sorted(self.ledger)) if self.ledger else ("fz-app-1", 1)
        known = ["/apps", f"/apps/{app_id}", f"/apps/{app_id}/releases/{release}"]
        headers = rng.choice([self.writer(), self.reader(), {}])
        roll = rng.random()
        if roll < 0.4:
            path = rng.choice(
                [
                    "/",
                    "/users",
                    "/admin",
                    "/apps/x/releases",
                    "/apps/x/releases/1/extra",
                    "/.env",
                    "/apps.json",
                    "/APPS",
                    "/%2e%2e/%2e%2e/etc/passwd",
                    "/../../etc/passwd",
                    "/" + "z" * 4000,
                ]
            )
            method = rng.choice(["GET", "POST", "DELETE", "PUT"])
            return Case("unknown-route", method, path, headers, None, {403})
        if roll < 0.8:
            method = rng.choice(["PUT", "PATCH", "HEAD"])
            body = b'{"id": "x"}' if method != "HEAD" else None
            path = rng.choice(known)
            return Case(f"method-{method}", method, path, headers, body, {403})
        preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        return Case("options", "OPTIONS", rng.choice(known), preflight, None, {200})

    def bad_key(self) -> Case:
        rng = self.rng
        name, headers = rng.choice(
            [
                ("missing", {"Authorization": self.token}),
                ("wrong", {"x-api-key": "not-a-key", "Authorization": self.token}),
                ("empty", {"x-api-key": "", "Authorization": self.token}),
                ("case", {"x-api-key": self.key.upper(), "Authorization": self.token}),
                ("prefix", {"x-api-key": self.key[:-1], "Authorization": self.token}),
                ("long", {"x-api-key": self.key * 100, "Authorization": self.token}),
                ("unicode", {"x-api-key": "🔑".encode(), "Authorization": self.token}),
                ("other-header", {"x-api-keys": self.key, "Authorization": self.token}),
                ("bearer", {"Authorization": "Bearer " + self.key}),
                *[("other-api", {"x-api-key": k, "Authorization": self.token})
                  for k in self.other_keys],
            ]
        )  # fmt: skip
        app_id, release = self.new_key()
        body = json.dumps({"id": app_id, "release": release, "version": "1.0.0"}).encode()
        method, path, data = rng.choice(
            [
                ("POST", "/apps", body),
                ("GET", "/apps", None),
                ("GET", f"/apps/{app_id}", None),
                ("DELETE", f"/apps/{app_id}/releases/{release}", None),
            ]
        )
        return Case(f"key-{name}", method, path, headers, data, {403})

    def bad_token(self) -> Case:
        rng = self.rng
        app_id, release = self.new_key()
        body = json.dumps({"id": app_id, "release": release, "version": "1.0.0"}).encode()
        roll = rng.random()
        if roll < 0.15:
            name, headers, expect = "missing", self.reader(), {401}
        elif roll < 0.75:
            name, value = rng.choice(self.bad_tokens)
            headers, expect = {"x-api-key": self.key, "Authorization": value}, {401}
        else:
            name, value = rng.choice(self.denied_tokens)
            headers, expect = {"x-api-key": self.key, "Authorization": value}, {403}
        if rng.random() < 0.7:
            return Case(f"token-{name}", "POST", "/apps", headers, body, expect)
        path = f"/apps/{app_id}/releases/{release}"
        if self.ledger and rng.random() < 0.5:  # an existing release must survive
            path = "/apps/{}/releases/{}".format(*rng.choice(sorted(self.ledger)))
        return Case(f"token-{name}", "DELETE", path, headers, None, expect)

    def odd_content_type(self) -> Case:
        rng = self.rng
        content_type = rng.choice(
            [
                "text/plain",
                "application/xml",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/json; charset=utf-16",
                "application/octet-stream",
                "image/png",
                "*/*",
                "",
                "application/json" + ";" * 200,
                "💥/💥",
            ]
        )
        headers = {**self.writer(), "Content-Type": content_type.encode()}
        kind = f"content-type:{content_type[:30]}"
        if rng.random() < 0.6:  # the service reads the body, whatever its declared type
            return self.create_case(kind, self.valid_body(*self.new_key()), headers)
        return Case(kind, "POST", "/apps", headers, b"\x89PNG\r\n\x1a\n\x00\x00", {400})
