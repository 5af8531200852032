"""Fixes for known breakages of the pinned stack (DESIGN §2).

Importing this module (``import pstl_mm`` does it first) applies six small,
idempotent patches to torch 2.13 + mmengine 0.10.7 + mmaction2 1.2.0:

1. :func:`_fix_missing_drn`: ``import mmaction.models`` fails on the wheel.
2. :func:`_fix_checkpoint_safe_globals`: ``torch.load(weights_only=True)``
   refuses the checkpoints mmengine's Runner writes.
3. :func:`_fix_cpu_distributed`: ``--launcher pytorch`` cannot run on CPU.
4. :func:`_fix_cuda_only_options`: SyncBN and ``AmpOptimWrapper`` need CUDA.
5. :func:`_fix_persistent_workers`: ``persistent_workers`` needs workers.
6. :func:`_fix_uniform_sample_frames_seed`: ``UniformSampleFrames`` reseeds
   numpy's global RNG.

Every replacement carries the ``_PATCHED`` mark and is installed only where
none is yet, so importing twice (or ``importlib.reload``) wraps nothing twice.
"""
import copy
import functools
import importlib.machinery
import importlib.util
import logging
import os.path as osp
import pickle
import sys
import types
from typing import Any, Callable, Optional

import numpy as np
import torch

_PATCHED = '_pstl_compat_patched'


def _log_warning(msg: str) -> None:
    """Log ``msg`` at WARNING level through mmengine's current logger."""
    from mmengine.logging import print_log
    print_log(msg, logger='current', level=logging.WARNING)


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
# 3. --launcher pytorch on CPU
# --------------------------------------------------------------------------
def cuda_available() -> bool:
    """Whether this process can use CUDA; read at call time, never cached."""
    return torch.cuda.is_available()


def _cpu_only() -> bool:
    """Whether there is no CUDA, npu, mlu or musa device.

    The devices ``AmpOptimWrapper`` accepts; on npu, mlu and musa mmengine's
    own distributed set-up is right, so only the CPU case is changed.
    """
    from mmengine.device import (is_mlu_available, is_musa_available,
                                 is_npu_available)
    return not (cuda_available() or is_npu_available() or is_mlu_available()
                or is_musa_available())


def _init_dist_pytorch_on_cpu(original: Callable) -> Callable:
    """Wrap mmengine's ``_init_dist_pytorch`` to use gloo without a GPU."""

    @functools.wraps(original)
    def init(backend: str, init_backend: str = 'torch', **kwargs) -> None:
        if not _cpu_only() or init_backend != 'torch':
            return original(backend, init_backend=init_backend, **kwargs)
        if backend == 'nccl':
            _log_warning('No CUDA device: distributed backend nccl -> gloo.')
            backend = 'gloo'
        torch.distributed.init_process_group(backend=backend, **kwargs)

    return _mark(init)


def _cpu_model_wrapper_cfg(runner, model_wrapper_cfg: Optional[dict]) -> dict:
    """The model wrapper config of ``runner`` with ``device_ids=None``.

    Mirrors the default of ``Runner.wrap_model`` (MMDistributedDataParallel,
    ``broadcast_buffers=False``) when ``model_wrapper_cfg`` is None.
    """
    from mmengine.registry import MODEL_WRAPPERS
    from torch.nn.parallel import DistributedDataParallel
    if model_wrapper_cfg is None:
        model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=runner.cfg.get('find_unused_parameters',
                                                  False))
    cfg = copy.deepcopy(dict(model_wrapper_cfg))
    cfg.setdefault('type', 'MMDistributedDataParallel')
    wrapper = cfg['type']
    if isinstance(wrapper, str):
        wrapper = MODEL_WRAPPERS.get(wrapper)
    if isinstance(wrapper, type) and issubclass(wrapper,
                                                DistributedDataParallel):
        cfg.setdefault('device_ids', None)
    return cfg


def _wrap_model_on_cpu(original: Callable) -> Callable:
    """Wrap ``Runner.wrap_model`` to build DDP without device ids on CPU."""

    @functools.wraps(original)
    def wrap_model(self, model_wrapper_cfg, model):
        from mmengine.model import is_model_wrapper
        if self.distributed and _cpu_only() and not is_model_wrapper(model):
            model_wrapper_cfg = _cpu_model_wrapper_cfg(self, model_wrapper_cfg)
        return original(self, model_wrapper_cfg, model)

    return _mark(wrap_model)


def _fix_cpu_distributed() -> None:
    """Let ``--launcher pytorch`` run on CPU-only machines.

    mmengine's ``_init_dist_pytorch`` calls ``torch.cuda.set_device`` and
    MMAction2 configs ask for the ``nccl`` backend, and ``Runner.wrap_model``
    gives DDP ``device_ids=[LOCAL_RANK]``, which DDP rejects for a CPU
    module. Without CUDA, this initialises the process group with ``gloo``
    (no ``set_device``) and builds the DDP wrapper with ``device_ids=None``
    unless the config sets ``model_wrapper_cfg.device_ids`` itself.
    """
    import mmengine.dist.utils as dist_utils
    from mmengine.runner import Runner
    if not _is_patched(dist_utils._init_dist_pytorch):
        dist_utils._init_dist_pytorch = _init_dist_pytorch_on_cpu(
            dist_utils._init_dist_pytorch)
    if not _is_patched(Runner.wrap_model):
        Runner.wrap_model = _wrap_model_on_cpu(Runner.wrap_model)


# --------------------------------------------------------------------------
# 4. SyncBN and AmpOptimWrapper need CUDA
# --------------------------------------------------------------------------
_AMP_ONLY_KEYS = ('loss_scale', 'dtype', 'use_fsdp')


def _is_amp(wrapper_type: Any) -> bool:
    """Whether an optim wrapper ``type`` (name or class) is AMP's."""
    from mmengine.optim import AmpOptimWrapper
    from mmengine.registry import OPTIM_WRAPPERS
    if isinstance(wrapper_type, str):
        wrapper_type = OPTIM_WRAPPERS.get(wrapper_type)
    return isinstance(wrapper_type, type) and issubclass(
        wrapper_type, AmpOptimWrapper)


def select_optim_wrapper(optim_wrapper: dict) -> dict:
    """The optim wrapper config to build here: AMP only with CUDA.

    Args:
        optim_wrapper (dict): An optim wrapper config, e.g.
            ``dict(type='AmpOptimWrapper', loss_scale='dynamic',
            optimizer=...)``.

    Returns:
        dict: ``optim_wrapper`` itself when CUDA is there or it is not AMP;
        otherwise a copy with ``type='OptimWrapper'`` and without the
        AMP-only keys (``loss_scale``, ``dtype``, ``use_fsdp``).
    """
    if not _cpu_only() or not _is_amp(optim_wrapper.get('type')):
        return optim_wrapper
    _log_warning('No CUDA device: AmpOptimWrapper -> OptimWrapper.')
    plain = {k: v for k, v in optim_wrapper.items() if k not in _AMP_ONLY_KEYS}
    plain['type'] = 'OptimWrapper'
    return plain


def select_sync_bn(sync_bn: Optional[str]) -> Optional[str]:
    """The ``sync_bn`` setting to use here: SyncBN only with CUDA.

    Args:
        sync_bn (str, optional): ``cfg.sync_bn`` (``'torch'`` or ``'mmcv'``).

    Returns:
        str, optional: ``sync_bn`` when CUDA is there, else None.
    """
    if sync_bn is None or not _cpu_only():
        return sync_bn
    _log_warning(f'No CUDA device: sync_bn={sync_bn!r} ignored, '
                 'BatchNorm stays per process.')
    return None


def _convert_sync_bn_if_cuda(original: Callable) -> Callable:
    """Wrap ``convert_sync_batchnorm`` as used by the Runner."""

    @functools.wraps(original)
    def convert(module, implementation='torch'):
        if select_sync_bn(implementation) is None:
            return module
        return original(module, implementation)

    return _mark(convert)


def _build_optim_wrapper_if_cuda(original: Callable) -> Callable:
    """Wrap ``Runner.build_optim_wrapper`` to pass AMP through selection."""

    @functools.wraps(original)
    def build_optim_wrapper(self, optim_wrapper):
        if isinstance(optim_wrapper, dict):
            optim_wrapper = select_optim_wrapper(optim_wrapper)
        return original(self, optim_wrapper)

    return _mark(build_optim_wrapper)


def _fix_cuda_only_options() -> None:
    """Make one config with SyncBN and AMP run on CPU and on GPU machines.

    ``AmpOptimWrapper`` asserts a GPU in its constructor, and
    ``cfg.sync_bn`` turns BatchNorm into ``SyncBatchNorm``, whose forward
    raises on CPU tensors in a distributed run. A config cannot choose at
    parse time: mmengine 0.10.7 turns a ``.py`` config with an ``import``
    into a lazy-import config in which calling an imported function raises.
    So the Runner chooses instead: without CUDA, ``Runner.build_optim_wrapper``
    builds a plain ``OptimWrapper`` (:func:`select_optim_wrapper`) and the
    Runner's ``convert_sync_batchnorm`` keeps plain BatchNorm
    (:func:`select_sync_bn`), each with a logged warning.
    """
    import mmengine.runner.runner as runner_module
    from mmengine.runner import Runner
    if not _is_patched(runner_module.convert_sync_batchnorm):
        runner_module.convert_sync_batchnorm = _convert_sync_bn_if_cuda(
            runner_module.convert_sync_batchnorm)
    if not _is_patched(Runner.build_optim_wrapper):
        Runner.build_optim_wrapper = _build_optim_wrapper_if_cuda(
            Runner.build_optim_wrapper)


# --------------------------------------------------------------------------
# 5. persistent_workers=True with num_workers=0
# --------------------------------------------------------------------------
def _build_dataloader_without_idle_persistence(original: Callable) -> Callable:
    """Wrap ``Runner.build_dataloader`` to drop persistence without workers."""

    @functools.wraps(original)
    def build_dataloader(dataloader, *args, **kwargs):
        if (isinstance(dataloader, dict)
                and dataloader.get('num_workers', 0) == 0
                and dataloader.get('persistent_workers', False)):
            dataloader = {**dataloader, 'persistent_workers': False}
        return original(dataloader, *args, **kwargs)

    return _mark(build_dataloader)


def _fix_persistent_workers() -> None:
    """Let ``num_workers=0`` override a config's ``persistent_workers=True``.

    torch's DataLoader raises ``ValueError`` for ``persistent_workers=True``
    with ``num_workers=0``, so ``--cfg-options
    train_dataloader.num_workers=0`` (debugging, tiny machines) crashes with
    MMAction2's configs. ``Runner.build_dataloader`` now sets
    ``persistent_workers=False`` when there are no workers to keep.
    """
    from mmengine.runner import Runner
    if not _is_patched(Runner.build_dataloader):
        Runner.build_dataloader = staticmethod(
            _build_dataloader_without_idle_persistence(
                Runner.build_dataloader))


# --------------------------------------------------------------------------
# 6. UniformSampleFrames(test_mode=True) reseeds numpy's global RNG
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
    """
    from mmaction.datasets.transforms import UniformSampleFrames
    if not _is_patched(UniformSampleFrames._get_test_clips):
        UniformSampleFrames._get_test_clips = _keep_global_numpy_rng(
            UniformSampleFrames._get_test_clips)


_fix_missing_drn()
_fix_checkpoint_safe_globals()
_fix_cpu_distributed()
_fix_cuda_only_options()
_fix_persistent_workers()
_fix_uniform_sample_frames_seed()
