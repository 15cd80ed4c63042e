"""The facts file: every number sourced and dated; talk-vs-today tables render."""

from __future__ import annotations

import re

import pytest

from workshop_lib import facts


def test_every_fact_has_an_aws_source_and_a_date():
    for f in facts.FACTS.values():
        assert re.match(r"https://(docs\.)?aws\.amazon\.com/", f.source), f.key
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", f.checked), f.key
        assert f.title and f.key.count(".") >= 1


def test_the_facts_that_changed_since_2018_include_the_famous_ones():
    changed = {f.key for f in facts.changed_since_talk()}
    assert {"lambda.max_timeout_s", "lambda.billing_granularity_ms"} <= changed
    assert facts.value("lambda.max_timeout_s") == 900
    assert facts.value("lambda.max_timeout_s", talk=True) == 300


def test_unknown_keys_suggest_close_ones():
    with pytest.raises(KeyError, match="did you mean: lambda.max_timeout_s"):
        facts.fact("lambda.max_timeout")


def test_talk_value_missing_is_a_clear_error():
    unstated = next(f for f in facts.FACTS.values() if f.talk is None)
    with pytest.raises(KeyError, match="the talk did not state"):
        facts.value(unstated.key, talk=True)


def test_talk_vs_today_box_renders_as_markdown_and_text():
    box = facts.talk_vs_today("lambda.max_timeout_s", "lambda.billing_granularity_ms")
    md = box._repr_markdown_()
    assert "| Lambda maximum timeout | 300 s | **900 s** |" in md
    assert repr(box).splitlines()[1].endswith("300 s → 900 s")
