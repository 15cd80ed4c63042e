"""EventBridge: scheduled rules fired at their Lambda targets on the sandbox's clock.

``schedule`` parses ``rate(...)`` and ``cron(...)`` expressions; ``plugin`` is the plug-in
that fires them.
"""

from workshop_lib.eventbridge.plugin import SchedulerPlugin

__all__ = ["SchedulerPlugin"]
