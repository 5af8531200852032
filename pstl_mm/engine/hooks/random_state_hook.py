"""Save the global random states in checkpoints; restore them on resume."""
import random
from typing import Optional

import numpy as np
import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

#: Checkpoint key of the saved states.
CHECKPOINT_KEY = 'random_states'


def capture_random_states() -> dict:
    """The global states of Python's, numpy's and torch's generators.

    Returns:
        dict: ``python``, ``numpy``, ``torch`` and, with CUDA, ``cuda`` (one
        state per device); tensors, numbers and strings only, so that
        checkpoints keep loading with ``weights_only=True``.
    """
    numpy_state = np.random.get_state(legacy=False)
    numpy_state['state'] = dict(
        numpy_state['state'],
        key=torch.from_numpy(numpy_state['state']['key'].astype(np.int64)))
    states = dict(
        python=random.getstate(),
        numpy=numpy_state,
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def restore_random_states(states: dict) -> None:
    """Set the global generators to ``states`` of :func:`capture_random_states`.

    Args:
        states (dict): The captured states (``cuda`` is restored only where
            CUDA is available with as many devices).
    """
    random.setstate(_as_python_state(states['python']))
    numpy_state = dict(states['numpy'])
    numpy_state['state'] = dict(
        numpy_state['state'],
        key=np.asarray(numpy_state['state']['key'], dtype=np.uint32))
    np.random.set_state(numpy_state)
    torch.set_rng_state(states['torch'])
    cuda = states.get('cuda')
    if cuda is not None and torch.cuda.is_available() and \
            len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


def _as_python_state(state):
    """``random.setstate`` wants tuples; a loaded checkpoint may hold lists."""
    version, internal, gauss = state
    return version, tuple(internal), gauss


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Resume training with the random states the interrupted run had.

    The data transforms draw from generators keyed by (seed, epoch, sample)
    and need nothing restored; what else training draws (dropout masks,
    the data loader's worker seeds) comes from torch's, numpy's and
    Python's global generators. This hook makes every epoch start from the
    states the previous one ended with, whether the run went on or was
    stopped and resumed:

    * ``after_train_epoch``: capture the global states (before the
      checkpoint hook saves; anything drawn afterwards, e.g. by validation,
      does not count).
    * ``before_save_checkpoint``: write them into the checkpoint
      (``checkpoint['random_states']``).
    * ``after_load_checkpoint`` (when resuming): take them from the
      checkpoint.
    * ``before_train_epoch``: restore them.

    So the losses of a run stopped after an epoch and resumed equal the
    uninterrupted run's, dropout included. A checkpoint without states
    (older, or loaded with ``load_from`` without resuming) changes nothing.
    """

    priority = 'HIGHEST'

    def __init__(self) -> None:
        self._states: Optional[dict] = None

    def after_train_epoch(self, runner) -> None:
        self._states = capture_random_states()

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint[CHECKPOINT_KEY] = (
            self._states if self._states is not None else
            capture_random_states())

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if getattr(runner, '_resume', False) and CHECKPOINT_KEY in checkpoint:
            self._states = checkpoint[CHECKPOINT_KEY]

    def before_train_epoch(self, runner) -> None:
        if self._states is not None:
            restore_random_states(self._states)
