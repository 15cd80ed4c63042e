"""Notebook 01's cost model, and the data behind its plot and widget."""

from __future__ import annotations

import pytest

from workshop_lib import cost
from workshop_lib.facts import value


def test_aws_pricing_page_example_512mb_3m_requests_1s():
    """AWS Lambda pricing page, example 1 (https://aws.amazon.com/lambda/pricing/):
    512 MB, 3 M invocations of 1 s → 1,500,000 GB-s, 1,100,000 billable → $18.34 at the
    page's rounded $0.00001667 (18.33 at the exact $0.0000166667); 2 M billable requests
    → $0.40."""
    bill = cost.lambda_monthly_cost(3_000_000, 1000, 512)
    assert bill.gb_seconds == 1_500_000
    assert bill.billable_gb_seconds == 1_100_000
    assert bill.compute_cost == pytest.approx(1_100_000 * 0.0000166667)
    assert round(bill.compute_cost, 2) == 18.33
    assert bill.billable_requests == 2_000_000 and bill.request_cost == pytest.approx(0.40)
    assert bill.total == pytest.approx(18.73, abs=0.005)


@pytest.mark.parametrize(
    "duration, granularity, billed",
    [(120, 1, 120), (120, 100, 200), (0.4, 1, 1), (100, 100, 100), (101, 100, 200), (0, 1, 1)],
)
def test_billed_duration_rounds_up_to_the_granularity(duration, granularity, billed):
    assert cost.billed_duration_ms(duration, granularity) == billed


def test_granularity_defaults_to_todays_fact_and_2018_costs_more():
    today = cost.lambda_monthly_cost(50_000_000, 120, 512)
    then = cost.lambda_monthly_cost(50_000_000, 120, 512, granularity_ms=100)
    assert today.billed_ms == 120 == value("lambda.billing_granularity_ms") * 120
    assert then.billed_ms == 200 and then.compute_cost > today.compute_cost


def test_below_the_free_tier_costs_nothing():
    assert cost.lambda_monthly_cost(900_000, 100, 128).total == 0
    assert cost.lambda_monthly_cost(900_000, 100, 128, free_tier=False).total > 0


@pytest.mark.parametrize("bad", [dict(requests=-1), dict(memory_mb=0)])
def test_bad_inputs_are_refused(bad):
    args = dict(requests=1, duration_ms=1, memory_mb=128) | bad
    with pytest.raises(ValueError):
        cost.lambda_monthly_cost(**args)


def test_server_is_hourly_price_times_730_hours():
    hourly = value("ec2.t3_micro_usd_per_hour")
    assert cost.server_monthly_cost() == pytest.approx(hourly * 730)
    assert cost.server_monthly_cost(count=2, hourly_usd=0.5) == 730


def test_break_even_is_the_first_request_count_where_lambda_costs_more():
    even = cost.break_even_requests(120, 512)
    server = cost.server_monthly_cost()
    assert cost.lambda_monthly_cost(even, 120, 512).total > server
    assert cost.lambda_monthly_cost(even - 1, 120, 512).total <= server
    # 100 ms billing reaches the server sooner
    assert cost.break_even_requests(120, 512, granularity_ms=100) < even


def test_cost_curve_is_the_data_behind_the_plot():
    data = cost.cost_curve(120, 512)
    assert len(data["requests"]) == 21 and data["requests"][0] == 10_000
    assert data["requests"][-1] == pytest.approx(1e9)
    assert all(a <= b for a, b in zip(data["lambda_today"], data["lambda_2018"], strict=True))
    assert data["lambda_today"] == sorted(data["lambda_today"])
    assert set(data["server"]) == {round(cost.server_monthly_cost(), 6)}
    crossing = next(
        n
        for n, c, s in zip(data["requests"], data["lambda_today"], data["server"], strict=True)
        if c > s
    )
    assert crossing >= cost.break_even_requests(120, 512)


def test_plot_draws_the_curves_and_marks_break_even():
    import matplotlib

    matplotlib.use("Agg")
    fig = cost.plot_break_even(120, 512)
    ax = fig.axes[0]
    data = cost.cost_curve(120, 512)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["Lambda, 1 ms billing (today)"].get_ydata()) == data["lambda_today"]
    assert ax.get_ylim()[0] == 0
    assert list(lines["always-on server"].get_ydata()) == data["server"]
    even = cost.break_even_requests(120, 512)
    assert f"break-even ≈ {even:,.0f} req/month" in lines


def test_widget_controls_feed_explain():
    explorer = cost.cost_explorer()
    controls = explorer.controls
    assert [c.description for c in controls.values()] == [
        "requests",
        "duration ms",
        "memory MB",
        "billing",
    ]
    assert controls["memory_mb"].max == value("lambda.memory_max_mb")
    before = explorer.output.value
    assert before == f"<pre>{cost.explain(**explorer.kwargs)}</pre>"
    controls["requests"].value = 80_000_000
    controls["granularity_ms"].value = 100
    assert explorer.kwargs["requests"] == 80_000_000 and explorer.kwargs["granularity_ms"] == 100
    assert explorer.output.value != before
    assert "the server is cheaper" in explorer.output.value
    assert explorer.widget.children[-1] is explorer.output


def test_explain_reads_like_a_bill():
    text = cost.explain(3_000_000, 120, 512)
    assert text.splitlines()[0] == "3,000,000 requests × 120 ms billed × 512 MB = 180,000 GB-s"
    assert text.endswith("Lambda is cheaper")
