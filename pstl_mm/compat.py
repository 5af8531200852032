"""Fixes of the pinned stack that must apply to the whole process.

Importing this module (``import pstl_mm`` does it first) applies three small,
idempotent fixes to torch 2.13 + mmengine 0.10.7 + mmaction2 1.2.0, each for
a breakage of that stack:

1. :func:`_fix_missing_drn`: the mmaction2 1.2.0 wheel lacks
   ``mmaction.models.localizers.drn``, so ``import mmaction.models`` fails.
2. :func:`_fix_checkpoint_safe_globals`: torch >= 2.6 loads with
   ``weights_only=True`` by default and refuses the non-tensor metadata of
   the checkpoints mmengine's Runner writes.
3. :func:`_fix_uniform_sample_frames_seed`: mmaction2's
   ``UniformSampleFrames(test_mode=True)`` reseeds numpy's global RNG after
   every test sample, so every other user of it repeats the same numbers.

Each is here because no Runner can apply it (its docstring says why); none
changes a result that is right without it. What a Runner can fix (CPU
``--launcher pytorch``, AMP and SyncBN without CUDA, ``persistent_workers``
without workers) is fixed by :class:`pstl_mm.engine.PortableRunner`, for the
configs that choose it, and mmengine's ``Runner`` is left as it is.

Every replacement carries the ``_PATCHED`` mark and is installed only where
none is yet, so importing twice (or ``importlib.reload``) wraps nothing twice.
"""
import functools
import importlib.machinery
import importlib.util
import os.path as osp
import pickle
import sys
import types
from typing import Any, Callable

import numpy as np
import torch

_PATCHED = '_pstl_compat_patched'


def _mark(fn: Callable) -> Callable:
    """Mark ``fn`` as installed by this module and return it."""
    setattr(fn, _PATCHED, True)
    return fn


def _is_patched(obj: Any) -> bool:
    """Whether ``obj`` was installed by this module."""
    return getattr(obj, _PATCHED, False)


# --------------------------------------------------------------------------
# 1. mmaction.models.localizers.drn is missing from the mmaction2 1.2.0 wheel
# --------------------------------------------------------------------------
_DRN = 'mmaction.models.localizers.drn'


class _MissingDRN:
    """Stand-in for mmaction2's ``DRN`` localizer, absent from the wheel.

    Raises:
        ImportError: always, when instantiated.
    """

    def __init__(self, *args, **kwargs) -> None:
        raise ImportError(
            f'DRN is unavailable: the mmaction2 1.2.0 wheel does not ship the '
            f'module `{_DRN}` (upstream issue open-mmlab/mmaction2#2714). '
            'Install mmaction2 from source to use DRN.')


def _drn_is_missing() -> bool:
    """Whether the installed mmaction2 lacks the ``localizers/drn`` package.

    Looks on disk without importing ``mmaction.models`` (whose import is what
    fails).
    """
    spec = importlib.util.find_spec('mmaction')
    localizers = osp.join(spec.submodule_search_locations[0], 'models',
                          'localizers')
    finder = importlib.machinery.PathFinder
    return finder.find_spec('drn', [localizers]) is None


def _fix_missing_drn() -> None:
    """Let ``import mmaction.models`` work although ``drn`` is missing.

    The mmaction2 1.2.0 wheel lacks ``mmaction/models/localizers/drn``
    (upstream issue 2714) while ``localizers/__init__.py`` does
    ``from .drn.drn import DRN``, so ``import mmaction.models`` raises
    ModuleNotFoundError and nothing of mmaction's models gets registered.
    This puts replacement modules ``...localizers.drn`` and
    ``...localizers.drn.drn`` in ``sys.modules`` whose ``DRN`` (also
    registered as ``DRN`` in mmaction's MODELS) raises a clear ImportError
    when built. Nothing is done when the real package exists.

    Global because it must be: ``import mmaction.models`` fails before any
    Runner exists (this package, its configs' ``custom_imports`` and
    MMAction2's own registries import it), and ``sys.modules`` is the
    process's.
    """
    if f'{_DRN}.drn' in sys.modules or not _drn_is_missing():
        return
    from mmaction.registry import MODELS
    package = types.ModuleType(_DRN, 'Replacement for the missing DRN.')
    package.__path__ = []
    module = types.ModuleType(f'{_DRN}.drn', 'Replacement for missing DRN.')
    module.DRN = _MissingDRN
    package.drn = module
    sys.modules[_DRN] = package
    sys.modules[f'{_DRN}.drn'] = module
    MODELS.register_module('DRN', module=_MissingDRN, force=True)


# --------------------------------------------------------------------------
# 2. torch.load(weights_only=True) refuses mmengine's own checkpoints
# --------------------------------------------------------------------------
_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


@_mark
def _history_buffer_getattr(obj: Any, name: str) -> Callable:
    """``getattr`` as seen by weights-only loads: HistoryBuffer methods only.

    A pickled :class:`~mmengine.logging.HistoryBuffer` stores its statistics
    methods as ``getattr(HistoryBuffer, 'mean')`` and so on; any other use of
    ``getattr`` in a file is refused.

    Raises:
        pickle.UnpicklingError: for anything but those four methods.
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'weights_only load refused getattr({obj!r}, {name!r}): only '
        f'HistoryBuffer methods {_HISTORY_BUFFER_STATISTICS} are allowed')


def _checkpoint_safe_globals() -> list:
    """The globals a checkpoint saved by mmengine's Runner refers to.

    Found by listing the GLOBAL opcodes of checkpoints the Runner saved with
    an optimizer, parameter schedulers, a message hub, a validation metric,
    a best-checkpoint hook and an EMA hook. Tensors, ``OrderedDict`` and
    ``Counter`` are allowed by torch already.
    """
    from mmengine.logging import HistoryBuffer
    from numpy._core.multiarray import _reconstruct, scalar
    dtypes = [np.bool_, np.int32, np.int64, np.float32, np.float64]
    safe = [HistoryBuffer, np.ndarray, np.dtype]
    safe += [type(np.dtype(t)) for t in dtypes]
    for module in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        safe += [(_reconstruct, f'{module}._reconstruct'),
                 (scalar, f'{module}.scalar')]
    return safe


def _fix_checkpoint_safe_globals() -> None:
    """Let ``torch.load`` read mmengine checkpoints with weights_only kept on.

    torch >= 2.6 loads with ``weights_only=True`` by default, and checkpoints
    saved by mmengine's Runner hold ``HistoryBuffer`` objects (message hub),
    numpy arrays, scalars and dtypes (logs, ETA, metrics), so ``resume`` and
    ``load_from`` fail with ``UnpicklingError`` (mmengine issue 1655). This
    allow-lists exactly those types with ``torch.serialization
    .add_safe_globals``, plus a ``getattr`` restricted to HistoryBuffer's
    statistics methods; weights_only itself is never turned off, so any
    other global in a file is still refused.

    Global because checkpoints are read outside the Runner too: by a
    model's ``init_cfg=dict(type='Pretrained')`` while it is built, by
    ``mmengine.runner.load_checkpoint`` in tools and user code, by
    ``torch.load`` itself; torch's allow-list is the process's. Allowing
    exactly these types loosens nothing else.
    """
    registered = [
        g for g in torch.serialization.get_safe_globals()
        if isinstance(g, tuple) and g[1] == 'builtins.getattr'
    ]
    safe = _checkpoint_safe_globals()
    if not any(_is_patched(g[0]) for g in registered):
        safe.append((_history_buffer_getattr, 'builtins.getattr'))
    torch.serialization.add_safe_globals(safe)


# --------------------------------------------------------------------------
# 3. UniformSampleFrames(test_mode=True) reseeds numpy's global RNG
# --------------------------------------------------------------------------
def _keep_global_numpy_rng(original: Callable) -> Callable:
    """Wrap ``_get_test_clips`` to restore numpy's global RNG afterwards."""

    @functools.wraps(original)
    def get_test_clips(self, *args, **kwargs) -> np.ndarray:
        state = np.random.get_state()
        try:
            return original(self, *args, **kwargs)
        finally:
            np.random.set_state(state)

    return _mark(get_test_clips)


def _fix_uniform_sample_frames_seed() -> None:
    """Stop ``UniformSampleFrames(test_mode=True)`` reseeding numpy globally.

    In test mode its ``transform`` (and ``MMUniformSampleFrames``'s) calls
    ``_get_test_clips``, which does ``np.random.seed(self.seed)`` and draws
    from numpy's global RNG: after every test sample the global stream is
    reset, so every other user of it repeats the same "random" numbers.
    ``_get_test_clips`` now saves the global state before and restores it
    after, so the sampled indices are exactly as before and nothing else is
    touched. Train mode, which draws from the global RNG without seeding, is
    left alone.

    Global because no Runner reaches it: datasets build their pipelines'
    transforms by name from MMAction2's registry, in the main process and
    in every dataloader worker, and the leak is in the class's method. The
    fix changes no sampled index, only stops the global state being reset.
    """
    from mmaction.datasets.transforms import UniformSampleFrames
    if not _is_patched(UniformSampleFrames._get_test_clips):
        UniformSampleFrames._get_test_clips = _keep_global_numpy_rng(
            UniformSampleFrames._get_test_clips)


_fix_missing_drn()
_fix_checkpoint_safe_globals()
_fix_uniform_sample_frames_seed()
