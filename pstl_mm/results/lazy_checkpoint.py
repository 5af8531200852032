"""A checkpoint made only when a step needs it."""
from typing import Callable, Optional


class LazyCheckpoint:
    """A pretraining's last checkpoint, trained (or found) on first use:
    steps whose results are stored never need it.

    Args:
        make (callable): Returns the checkpoint's path (None: a random
            initialisation).
    """

    def __init__(self, make: Callable[[], Optional[str]]) -> None:
        self._make = make
        self._made = False
        self._path: Optional[str] = None

    def __call__(self) -> Optional[str]:
        if not self._made:
            self._path = self._make()
            self._made = True
        return self._path
