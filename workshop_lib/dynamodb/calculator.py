"""Notebook 05's capacity calculator: a plain function, and sliders on top of it.

:func:`capacity_plan` turns a workload (item size, reads and writes per second,
consistency) into the RCU and WCU it needs, the partitions those imply (the talk's
formula) and a month's price on demand and provisioned. The widget only displays it.
"""

from __future__ import annotations

from typing import Any

from workshop_lib.dynamodb import pricing
from workshop_lib.dynamodb.capacity import partitions, read_capacity_units, write_capacity_units
from workshop_lib.widgets import Explorer

KB = 1024


def capacity_plan(
    item_kb: float, reads_per_s: float, writes_per_s: float, consistency: str = "eventual"
) -> dict[str, Any]:
    """What a steady workload needs and costs: units, partitions and monthly prices."""
    size = int(item_kb * KB)
    rcu = reads_per_s * read_capacity_units(size, consistency)
    wcu = writes_per_s * write_capacity_units(size, consistency == "transactional")
    provisioned_rcu, provisioned_wcu = pricing.provisioned_for(
        reads_per_s, writes_per_s, item_kb, consistency
    )
    return {
        "rcu": rcu,
        "wcu": wcu,
        "partitions": partitions(rcu, wcu),
        "on_demand_usd": round(
            pricing.on_demand_monthly(reads_per_s, writes_per_s, item_kb, consistency), 2
        ),
        "provisioned_usd": round(pricing.provisioned_monthly(provisioned_rcu, provisioned_wcu), 2),
        "provisioned_at_70_percent": (provisioned_rcu, provisioned_wcu),
    }


def describe(plan: dict[str, Any]) -> str:
    """A few readable lines for a plan."""
    return "\n".join(
        [
            f"needs {plan['rcu']:,.1f} RCU and {plan['wcu']:,.1f} WCU "
            f"→ {plan['partitions']} partition(s) by the talk's formula",
            f"on demand:   ${plan['on_demand_usd']:,.2f} a month",
            f"provisioned: ${plan['provisioned_usd']:,.2f} a month "
            f"({plan['provisioned_at_70_percent'][0]:,} RCU / "
            f"{plan['provisioned_at_70_percent'][1]:,} WCU at 70 % utilisation)",
        ]
    )


class CapacityCalculator(Explorer):
    """Sliders for :func:`capacity_plan`; ``plan`` holds the last plan shown."""

    def __init__(self) -> None:
        import ipywidgets as widgets

        super().__init__(
            {
                "item_kb": widgets.FloatSlider(
                    value=1.0, min=0.1, max=400, step=0.1, description="item KB"
                ),
                "reads_per_s": widgets.IntSlider(
                    value=100, min=0, max=20_000, step=10, description="reads/s"
                ),
                "writes_per_s": widgets.IntSlider(
                    value=10, min=0, max=10_000, step=10, description="writes/s"
                ),
                "consistency": widgets.ToggleButtons(
                    options=["eventual", "strong", "transactional"], description="reads"
                ),
            },
            self._describe,
        )

    def _describe(self, **kwargs: Any) -> str:
        self.plan = capacity_plan(**kwargs)
        return describe(self.plan)


def capacity_calculator() -> CapacityCalculator:
    """The notebook 05 widget (see :class:`CapacityCalculator`)."""
    return CapacityCalculator()
