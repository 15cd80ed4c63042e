"""The Serverless Framework (v3 syntax) in the sandbox: ``serverless.yml`` → CloudFormation
→ deploy, and the ``workshop sls`` commands.

``service.py`` reads the file (``config.py``: keys and lines, ``variables.py``: ``${…}``),
``compile.py`` writes the template, ``package.py`` the zip, ``deploy.py`` runs deploy /
deploy function / info / remove, ``gaps.py`` adds what moto's CloudFormation skips,
``iam.py`` warns about calls the role does not allow, ``local.py`` is ``invoke local``,
``offline.py`` serves the http events, ``cli.py`` is ``workshop sls``.
"""

from __future__ import annotations

from workshop_lib.framework.cli import sls
from workshop_lib.framework.config import ConfigError
from workshop_lib.framework.service import Service

__all__ = ["ConfigError", "Service", "sls"]
