from .hooks import *  # noqa: F401,F403
from .hooks import __all__ as _hooks_all
from .knn_loop import KNNTestLoop
from .partial_body_loop import PartialBodyTestLoop
from .runner import PortableRunner

__all__ = list(_hooks_all) + [
    'KNNTestLoop', 'PartialBodyTestLoop', 'PortableRunner'
]
