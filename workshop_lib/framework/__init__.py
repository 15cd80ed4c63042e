"""The Serverless Framework (v3 syntax) in the sandbox: ``serverless.yml`` → CloudFormation
→ deploy, and the ``workshop sls`` commands.

``service.py`` reads the file (``config.py``: keys, lines and v3's validation modes,
``variables.py``: ``${…}``, ``schema.py``: the types the sandbox needs, ``plugins.py``: what
each plugin does here), ``compile.py`` writes the template, ``package.py`` the zips
(``vendor/``: files plugins ship, unmodified), ``deploy.py`` runs deploy /
deploy function / info / remove, ``gaps.py`` adds what moto's CloudFormation skips,
``iam.py`` warns about calls the role does not allow, ``local.py`` is ``invoke local``,
``offline.py`` serves the http events, ``cli.py`` is ``workshop sls``.
"""

from __future__ import annotations

from workshop_lib.framework.cli import sls
from workshop_lib.framework.config import ConfigError
from workshop_lib.framework.service import Service

__all__ = ["ConfigError", "Service", "sls"]
