"""The facts file: every number sourced and dated; talk-vs-today tables render."""

from __future__ import annotations

import json
import re
from pathlib import Path

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


# -- what the notebooks print -------------------------------------------------------------------
NOTEBOOKS = sorted(Path(__file__).parent.parent.glob("*/[0-9][0-9]_*.ipynb"))


def _printed(path: Path) -> list[str]:
    """Every line the executed notebook shows as output (streams and text representations)."""
    lines = []
    for cell in json.loads(path.read_text())["cells"]:
        for output in cell.get("outputs", []):
            texts = [output.get("text", "")]
            for mime in ("text/plain", "text/markdown", "text/html"):
                texts.append(output.get("data", {}).get(mime, ""))
            for text in texts:
                lines += ("".join(text) if isinstance(text, list) else text).splitlines()
    return lines


def _distinctive(number: float | int | str) -> list[str]:
    """How a printed value of a fact looks, where it cannot be another number by chance."""
    if isinstance(number, str):
        return []
    forms = {str(number), f"{number:.10f}".rstrip("0")}
    forms = {t for t in forms if "." in t and len(t.split(".")[1]) >= 3}
    return [f"${t}" for t in forms] + [f"{t} USD" for t in forms]


def test_the_notebooks_never_print_a_fact_no_aws_text_confirmed():
    unverified = [f for f in facts.FACTS.values() if not f.verified]
    assert unverified, "the check below would prove nothing"
    assert len(NOTEBOOKS) >= 20, NOTEBOOKS  # solutions/ and notebooks/, executed
    problems = []
    for path in NOTEBOOKS:
        for line in _printed(path):
            if "price from memory" in line or "not verified against AWS" in line:
                problems.append(f"{path.name}: {line.strip()[:120]}")
            for f in unverified:
                titled = f.title in line and "not verified" not in line
                if titled or any(form in line for form in _distinctive(f.today)):
                    problems.append(f"{path.name}: {f.key}: {line.strip()[:120]}")
    assert not problems, "\n".join(problems)


def test_an_unverified_fact_is_shown_as_such():
    price = next(f for f in facts.FACTS.values() if not f.verified)
    assert facts.stated(price.key) == f"not verified: see {price.source}"
    assert str(price.today) not in facts.talk_vs_today(price.key)._repr_markdown_()
    assert facts.stated("lambda.max_timeout_s") == "900 s"


def test_the_init_phase_and_the_concurrency_rows_say_what_the_talk_and_aws_said():
    rows = dict((t, (then, now)) for t, then, now, _ in facts.then_and_now())
    assert facts.fact("lambda.init_phase_billed_since").talk is None  # the talk did not say
    assert facts.value("lambda.init_phase_billed_since") == "billed since 2025-08-01"
    title = facts.fact("lambda.concurrency_default").title
    assert rows[title] == ("100 (AWS's own page then: 1,000)", "1,000")
