"""The TOKEN authorizer: Allow with the write scope, Deny without, 401 for a bad token."""

from __future__ import annotations

import time

import jwt
import pytest

from auth.authorizer import authorize
from auth.tokens import mint
from events import SECRET, authorizer_event

STAGE_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123defg/dev/*"


def statement(policy: dict) -> dict:
    (only,) = policy["policyDocument"]["Statement"]
    return only


def test_a_token_with_the_write_scope_is_allowed_for_the_whole_stage():
    token = mint("alice", ["apps:read", "apps:write"], SECRET)
    policy = authorize(authorizer_event(f"Bearer {token}"), None)
    assert policy["principalId"] == "alice"
    assert statement(policy) == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": STAGE_ARN,
    }
    assert policy["context"] == {"sub": "alice", "scope": "apps:read apps:write"}


def test_a_valid_token_without_the_write_scope_is_denied():
    token = mint("bob", ["apps:read"], SECRET)
    policy = authorize(authorizer_event(f"bearer {token}", "DELETE", "apps/x/releases/1"), None)
    assert statement(policy)["Effect"] == "Deny"
    assert statement(policy)["Resource"] == STAGE_ARN


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not.a.jwt",
        f"Bearer {mint('alice', ['apps:write'], SECRET, ttl_s=-10)}",  # expired
        f"Bearer {mint('alice', ['apps:write'], 'another-secret-also-32-bytes-long!!')}",
        f"Bearer {jwt.encode({'sub': 'a'}, SECRET, algorithm='HS256')}",  # no exp
        f"Bearer {jwt.encode({'exp': int(time.time()) + 60}, SECRET, algorithm='HS256')}",
        "Bearer " + jwt.encode({"sub": "a", "exp": 9999999999}, None, algorithm="none"),
    ],
)
def test_a_bad_token_raises_unauthorized_which_api_gateway_answers_401(header):
    with pytest.raises(Exception) as caught:
        authorize(authorizer_event(header), None)
    assert str(caught.value) == "Unauthorized"


def test_without_a_secret_it_is_a_server_fault_not_a_401(monkeypatch):
    monkeypatch.delenv("JWT_SECRET")
    with pytest.raises(RuntimeError, match="JWT_SECRET"):
        authorize(authorizer_event(f"Bearer {mint('a', ['apps:write'], SECRET)}"), None)


def test_mint_makes_hs256_tokens_with_exp_and_scope():
    token = mint("carol", ["apps:write"], SECRET, ttl_s=60, now=1_000_000)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {"sub": "carol", "scope": "apps:write", "iat": 1_000_000, "exp": 1_000_060}
