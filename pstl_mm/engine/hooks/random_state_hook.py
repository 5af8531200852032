"""Save every rank's global random states in checkpoints; restore them on
resume."""
import logging
import random
from typing import Dict, Optional, Tuple

import numpy as np
import torch
from mmaction.registry import HOOKS
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log

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


def gather_random_states() -> Dict[int, dict]:
    """Every rank's :func:`capture_random_states`, keyed by rank.

    In a distributed run this is a collective call (an all-gather): every
    rank must make it, and every rank gets the states of all.

    Returns:
        dict[int, dict]: ``{rank: states}`` for ranks ``0 .. world_size-1``;
        ``{0: states}`` outside a distributed run.
    """
    states = capture_random_states()
    if get_world_size() == 1:
        return {0: states}
    return dict(enumerate(all_gather_object(states)))


def select_rank_states(saved: dict, rank: int,
                       world_size: int) -> Tuple[Optional[dict], str]:
    """The states that ``rank`` of ``world_size`` restores from a checkpoint.

    Args:
        saved (dict): ``checkpoint['random_states']``: ``{rank: states}`` of
            :func:`gather_random_states`, or, in checkpoints of earlier
            versions, one rank's :func:`capture_random_states` itself.
        rank (int): This process's rank.
        world_size (int): The number of processes now.

    Returns:
        tuple[dict or None, str]: The states to restore and ``''``, or
        ``None`` (restore nothing) and why not, to log as a warning:

        * ``saved`` keyed by the ranks ``0 .. world_size-1``: ``rank``'s
          own states, the exact continuation.
        * Keyed by other ranks (the run was saved with another number of
          processes): ``None``. The states of one world size do not
          continue another (each rank holds other samples), so every rank
          keeps the states the runner seeded it with (``randomness.seed``,
          plus the rank with ``diff_rank_seed``).
        * One rank's states (an earlier version's checkpoint): those, on
          every rank, with a warning when ``world_size > 1`` (exact only if
          the ranks drew alike, i.e. without ``diff_rank_seed``).

    Raises:
        ValueError: ``saved`` is neither (a key is no rank).
    """
    if 'torch' in saved:
        why = ('' if world_size == 1 else
               f'{CHECKPOINT_KEY} holds the states of one rank (a checkpoint '
               f'of an earlier version): all {world_size} ranks restore '
               'them, so the resumed run differs from the uninterrupted one '
               'where the ranks drew differently (diff_rank_seed)')
        return saved, why
    if not all(isinstance(r, int) and r >= 0 for r in saved):
        raise ValueError(
            f'checkpoint[{CHECKPOINT_KEY!r}] must map ranks to states (or be '
            f'one rank\'s states, with "torch"), got keys {list(saved)}')
    ranks = sorted(saved)
    if ranks != list(range(world_size)):
        return None, (
            f'{CHECKPOINT_KEY} holds the states of {len(ranks)} rank(s) '
            f'{ranks}, this run has {world_size}: none restored, every rank '
            'goes on from the states the runner seeded it with, and the '
            'resumed run is not the continuation of the interrupted one')
    return saved[rank], ''


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Resume training with the random states the interrupted run had.

    The data transforms draw from generators keyed by (seed, epoch, sample)
    and need nothing restored; what else training draws comes from torch's,
    numpy's and Python's global generators of each process: dropout masks,
    and the data loader's ``base_seed`` (drawn from torch's generator each
    epoch, as workers are re-created; MMEngine's ``worker_init_fn`` then
    seeds each worker from ``randomness.seed``, its id and the rank, which
    need nothing restored either). This hook makes every epoch of every rank
    start from the states that rank's previous epoch ended with, whether the
    run went on or was stopped and resumed:

    * ``after_train_epoch``: capture the global states of every rank and
      gather them (an all-gather in a distributed run; before the
      checkpoint hook saves, so anything drawn afterwards, e.g. by
      validation, does not count).
    * ``before_save_checkpoint``: write them into the checkpoint,
      ``checkpoint['random_states'] = {rank: states}`` (tensors, numbers
      and strings: loadable with ``torch.load(weights_only=True)``).
    * ``after_load_checkpoint`` (when resuming): take this rank's states
      from the checkpoint (:func:`select_rank_states`).
    * ``before_train_epoch``: restore them.

    So the losses and weights of a run stopped after an epoch and resumed
    with as many processes equal the uninterrupted run's bit for bit,
    dropout, data loader workers and ``diff_rank_seed`` included. Resumed
    with another number of processes, nothing is restored and a warning
    says so. A checkpoint without states (older, or loaded with
    ``load_from`` without resuming) changes nothing. A checkpoint saved
    before the first epoch ended (by iterations) holds the saving
    process's current states, under its rank.
    """

    priority = 'HIGHEST'

    def __init__(self) -> None:
        #: Every rank's states at the end of the last epoch, to save.
        self._gathered: Optional[Dict[int, dict]] = None
        #: This rank's states, to restore before the next epoch.
        self._states: Optional[dict] = None

    def after_train_epoch(self, runner) -> None:
        self._gathered = gather_random_states()
        self._states = self._gathered[get_rank()]

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint[CHECKPOINT_KEY] = (
            self._gathered if self._gathered is not None else
            {get_rank(): capture_random_states()})

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not getattr(runner, '_resume', False) or \
                CHECKPOINT_KEY not in checkpoint:
            return
        states, why = select_rank_states(checkpoint[CHECKPOINT_KEY],
                                         get_rank(), get_world_size())
        if why:
            print_log(f'RandomStateHook: {why}.', logger='current',
                      level=logging.WARNING)
        if states is not None:
            self._states = states

    def before_train_epoch(self, runner) -> None:
        if self._states is not None:
            restore_random_states(self._states)
