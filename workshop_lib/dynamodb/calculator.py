"""Notebook 05's capacity calculator: a plain function, and sliders on top of it.

:func:`capacity_plan` turns a workload (item size, reads and writes per second,
consistency) into the RCU and WCU it needs, the partitions those imply (the talk's
formula) and a month's price on demand and provisioned. The widget only displays it.
"""

from __future__ import annotations

from typing import Any

from workshop_lib.dynamodb import pricing
from workshop_lib.dynamodb.capacity import partitions, read_capacity_units, write_capacity_units

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


class CapacityCalculator:
    """Sliders for :func:`capacity_plan`; ``controls`` and ``plan`` for tests and scripts."""

    def __init__(self) -> None:
        import ipywidgets as widgets

        self.controls = {
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
        }
        self.output = widgets.HTML()
        self.widget = widgets.VBox([*self.controls.values(), self.output])
        for control in self.controls.values():
            control.observe(lambda _change: self.update(), names="value")
        self.update()

    @property
    def kwargs(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> dict[str, Any]:
        self.plan = capacity_plan(**self.kwargs)
        self.output.value = f"<pre>{describe(self.plan)}</pre>"
        return self.plan

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def capacity_calculator() -> CapacityCalculator:
    """The notebook 05 widget (see :class:`CapacityCalculator`)."""
    return CapacityCalculator()
