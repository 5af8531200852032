"""PSTL for MMAction2.

Importing this package first applies the process-wide stack fixes of
:mod:`pstl_mm.compat`, then registers every component into MMAction2's
registries (and :class:`~pstl_mm.engine.PortableRunner` into mmengine's
``RUNNERS``), so that ``custom_imports = dict(imports=['pstl_mm'])`` in any
MMAction2 config is enough to use them; ``runner_type = 'PortableRunner'``
chooses the runner.
"""
from . import compat  # noqa: F401  (must come first)
from . import skeleton  # noqa: F401
from .datasets import *  # noqa: F401,F403
from .models import *  # noqa: F401,F403
from .evaluation import *  # noqa: F401,F403
from .engine import *  # noqa: F401,F403

__version__ = '0.1.0'
