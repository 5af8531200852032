"""PSTL for MMAction2.

Importing this package first applies the process-wide stack fixes of
:mod:`pstl_mm.compat`, then registers every component into MMAction2's
registries (and :class:`~pstl_mm.engine.PortableRunner` into mmengine's
``RUNNERS``), so that ``custom_imports = dict(imports=['pstl_mm'])`` in any
MMAction2 config is enough to use them; ``runner_type = 'PortableRunner'``
chooses the runner.

It also sets ``THP_MEM_ALLOC_ENABLE=1`` unless the environment has it:
torch then places tensors of 2 MB and more on transparent huge pages. torch
reads the variable at its first allocation of that size, which comes after
this import in every entry point (``tools/*.py``, ``RUNNERS.build(cfg)``,
mmengine's ``Runner.from_cfg(cfg)``: a config's ``custom_imports`` imports
this package when the config is read). The trimmed heap of
:class:`~pstl_mm.engine.hooks.HeapTrimHook` needs it to stay fast; the hook
warns where it is not in effect. ``THP_MEM_ALLOC_ENABLE=0`` opts out.
"""
import os

os.environ.setdefault('THP_MEM_ALLOC_ENABLE', '1')

from . import compat  # noqa: F401,E402  (must come first)
from . import skeleton  # noqa: E402,F401
from .datasets import *  # noqa: E402,F401,F403
from .models import *  # noqa: E402,F401,F403
from .evaluation import *  # noqa: E402,F401,F403
from .engine import *  # noqa: E402,F401,F403

__version__ = '0.1.0'
