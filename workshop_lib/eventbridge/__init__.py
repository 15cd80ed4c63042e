"""EventBridge: scheduled rules fired at their Lambda targets on the sandbox's clock.

``schedule`` parses ``rate(...)`` and ``cron(...)`` expressions; ``layer`` is the plug-in
that fires them.
"""

from workshop_lib.eventbridge.layer import SchedulerLayer

__all__ = ["SchedulerLayer"]
