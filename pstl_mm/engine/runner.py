"""A Runner that runs one config on CPU-only and CUDA machines alike.

MMAction2 configs, and this project's, are written for CUDA machines: they
ask for the ``nccl`` backend, may turn on ``AmpOptimWrapper`` (``--amp``)
and ``sync_bn``, and keep dataloader workers alive between epochs. On a
machine without CUDA, or with ``num_workers=0``, mmengine 0.10.7's Runner
then fails. :class:`PortableRunner` overrides the Runner methods where it
fails, only for the configs that choose it with
``runner_type = 'PortableRunner'`` (this package's runtime base does), and
does exactly what mmengine's Runner does wherever that works.
"""
import copy
import datetime
import logging
from typing import Dict, Optional, Union

import torch
from mmengine.dist import is_distributed
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import DataLoader

#: Keys of an optim wrapper config that only ``AmpOptimWrapper`` accepts.
AMP_ONLY_KEYS = ('loss_scale', 'dtype', 'use_fsdp')


def _log_warning(msg: str) -> None:
    """Log ``msg`` at WARNING level through mmengine's current logger."""
    print_log(msg, logger='current', level=logging.WARNING)


def cuda_available() -> bool:
    """Whether this process can use CUDA; read at call time, never cached."""
    return torch.cuda.is_available()


def cpu_only() -> bool:
    """Whether there is no CUDA, npu, mlu or musa device.

    The devices ``AmpOptimWrapper`` accepts; on npu, mlu and musa mmengine's
    own set-up is right, so only the CPU case is changed.
    """
    from mmengine.device import (is_mlu_available, is_musa_available,
                                 is_npu_available)
    return not (cuda_available() or is_npu_available() or is_mlu_available()
                or is_musa_available())


def _is_amp(wrapper_type) -> bool:
    """Whether an optim wrapper ``type`` (name or class) is AMP's."""
    from mmengine.optim import AmpOptimWrapper
    from mmengine.registry import OPTIM_WRAPPERS
    if isinstance(wrapper_type, str):
        wrapper_type = OPTIM_WRAPPERS.get(wrapper_type)
    return isinstance(wrapper_type, type) and issubclass(
        wrapper_type, AmpOptimWrapper)


def select_optim_wrapper(optim_wrapper: dict) -> dict:
    """The optim wrapper config to build here: AMP only with an accelerator.

    Args:
        optim_wrapper (dict): An optim wrapper config, e.g.
            ``dict(type='AmpOptimWrapper', loss_scale='dynamic',
            optimizer=...)``.

    Returns:
        dict: ``optim_wrapper`` itself when there is a CUDA (npu, mlu, musa)
        device or it is not AMP; otherwise a copy with
        ``type='OptimWrapper'`` and without the AMP-only keys
        (``loss_scale``, ``dtype``, ``use_fsdp``), with a logged warning.
    """
    if not cpu_only() or not _is_amp(optim_wrapper.get('type')):
        return optim_wrapper
    _log_warning('No CUDA device: AmpOptimWrapper -> OptimWrapper.')
    plain = {k: v for k, v in optim_wrapper.items() if k not in AMP_ONLY_KEYS}
    plain['type'] = 'OptimWrapper'
    return plain


def select_sync_bn(sync_bn: Optional[str]) -> Optional[str]:
    """The ``sync_bn`` setting to use here: SyncBN only with an accelerator.

    Args:
        sync_bn (str, optional): ``cfg.sync_bn`` (``'torch'`` or ``'mmcv'``).

    Returns:
        str, optional: ``sync_bn`` when there is a CUDA (npu, mlu, musa)
        device, else None, with a logged warning if it was set.
    """
    if sync_bn is None or not cpu_only():
        return sync_bn
    _log_warning(f'No CUDA device: sync_bn={sync_bn!r} ignored, '
                 'BatchNorm stays per process.')
    return None


def init_cpu_process_group(backend: str = 'nccl', **kwargs) -> None:
    """Initialise the default process group as ``--launcher pytorch`` would,
    without a GPU.

    What mmengine's ``init_dist('pytorch', ...)`` does, less its
    ``torch.cuda.set_device`` call, and with ``gloo`` for ``nccl``.

    Args:
        backend (str): ``dist_cfg.backend``; ``'nccl'`` (the default, as
            mmengine's) becomes ``'gloo'`` with a logged warning.
        **kwargs: The rest of ``dist_cfg`` (``init_backend`` is dropped),
            passed to ``torch.distributed.init_process_group``;
            ``timeout`` is in seconds, as in mmengine.
    """
    kwargs.pop('init_backend', None)
    if kwargs.get('timeout') is not None:
        kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
    if backend == 'nccl':
        _log_warning('No CUDA device: distributed backend nccl -> gloo.')
        backend = 'gloo'
    torch.distributed.init_process_group(backend=backend, **kwargs)


@RUNNERS.register_module()
class PortableRunner(Runner):
    """mmengine's Runner, made to run CUDA configs on CPU-only machines too.

    Each override below fixes one way mmengine 0.10.7's Runner fails on a
    machine without CUDA (or with ``num_workers=0``) and calls the Runner's
    own method, unchanged, wherever that works, so on a CUDA machine this is
    mmengine's Runner. Chosen by ``runner_type = 'PortableRunner'`` and built
    with ``RUNNERS.build(cfg)`` (``tools/train.py``, ``tools/test.py``).

    Registered in mmengine's root ``RUNNERS``, so that MMAction2's
    ``RUNNERS`` (a child, which also searches its parent) finds it whatever
    the current default scope is.
    """

    def setup_env(self, env_cfg: Dict) -> None:
        """Set up the environment; ``--launcher pytorch`` works without CUDA.

        mmengine's ``init_dist('pytorch', ...)`` calls
        ``torch.cuda.set_device`` and MMAction2 configs ask for the ``nccl``
        backend, so a distributed run on CPU fails before it starts. Without
        CUDA (npu, mlu, musa), this initialises the default process group
        first with :func:`init_cpu_process_group` (``gloo`` for ``nccl``, no
        ``set_device``); the Runner's ``setup_env`` then finds it
        initialised and does the rest. A no-op for other launchers, for
        ``dist_cfg.init_backend`` other than ``'torch'``, when a process
        group exists already and on machines with an accelerator.

        Args:
            env_cfg (dict): The Runner's ``env_cfg``.
        """
        dist_cfg = dict(env_cfg.get('dist_cfg', {}))
        if (self.distributed and self.launcher == 'pytorch'
                and not is_distributed()
                and dist_cfg.get('init_backend', 'torch') == 'torch'
                and cpu_only()):
            init_cpu_process_group(**dist_cfg)
        super().setup_env(env_cfg)

    def wrap_model(self, model_wrapper_cfg: Optional[Dict],
                   model: nn.Module) -> nn.Module:
        """Wrap the model; without CUDA, DDP without device ids, no SyncBN.

        In a distributed run, mmengine's ``wrap_model`` gives
        ``DistributedDataParallel`` ``device_ids=[LOCAL_RANK]``, which DDP
        rejects for a CPU module, and converts BatchNorm to SyncBatchNorm
        when ``cfg.sync_bn`` is set, whose forward raises on CPU tensors.
        In a distributed run without CUDA (npu, mlu, musa) this keeps plain
        BatchNorm (warning when ``sync_bn`` was set, see
        :func:`select_sync_bn`) and builds the wrapper with
        ``device_ids=None`` unless ``model_wrapper_cfg`` sets them; without
        ``model_wrapper_cfg``, the wrapper is the Runner's default
        (``MMDistributedDataParallel``, ``broadcast_buffers=False``,
        ``cfg.find_unused_parameters``). A no-op (the Runner's
        ``wrap_model``) when not distributed, on machines with an
        accelerator and for a model that is wrapped already.

        Args:
            model_wrapper_cfg (dict, optional): ``cfg.model_wrapper_cfg``.
            model (nn.Module): The model to wrap.

        Returns:
            nn.Module: The wrapped model.
        """
        from mmengine.device import get_device
        from mmengine.model import is_model_wrapper
        from mmengine.registry import MODEL_WRAPPERS
        if not self.distributed or is_model_wrapper(model) or not cpu_only():
            return super().wrap_model(model_wrapper_cfg, model)
        select_sync_bn(self.cfg.get('sync_bn', None))
        return MODEL_WRAPPERS.build(
            self._cpu_model_wrapper_cfg(model_wrapper_cfg),
            default_args=dict(module=model.to(get_device())))

    def _cpu_model_wrapper_cfg(self,
                               model_wrapper_cfg: Optional[Dict]) -> dict:
        """``model_wrapper_cfg`` (or the Runner's default) with no device ids.

        Args:
            model_wrapper_cfg (dict, optional): ``cfg.model_wrapper_cfg``;
                not modified.

        Returns:
            dict: A copy, ``type`` defaulting to
            ``MMDistributedDataParallel`` and ``device_ids`` to None for
            subclasses of ``DistributedDataParallel``.
        """
        from mmengine.registry import MODEL_WRAPPERS
        from torch.nn.parallel import DistributedDataParallel
        if model_wrapper_cfg is None:
            model_wrapper_cfg = dict(
                type='MMDistributedDataParallel',
                broadcast_buffers=False,
                find_unused_parameters=self.cfg.get('find_unused_parameters',
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

    def build_optim_wrapper(self, optim_wrapper):
        """Build the optim wrapper; ``AmpOptimWrapper`` only with CUDA.

        ``AmpOptimWrapper`` asserts a GPU in its constructor, so ``--amp``
        (or a config with AMP) fails on CPU. A config cannot choose at parse
        time: mmengine 0.10.7 turns a ``.py`` config with an ``import`` into
        a lazy-import config in which calling an imported function raises.
        So the Runner chooses: without CUDA (npu, mlu, musa) an AMP config
        becomes a plain ``OptimWrapper`` config, with a warning
        (:func:`select_optim_wrapper`). A no-op for other wrappers, for
        built wrappers and on machines with an accelerator.

        Args:
            optim_wrapper (OptimWrapper or dict): What the Runner's
                ``build_optim_wrapper`` takes.

        Returns:
            OptimWrapper or OptimWrapperDict: The built wrapper.
        """
        if isinstance(optim_wrapper, dict):
            optim_wrapper = select_optim_wrapper(optim_wrapper)
        return super().build_optim_wrapper(optim_wrapper)

    @staticmethod
    def build_dataloader(dataloader: Union[DataLoader, Dict],
                         seed: Optional[int] = None,
                         diff_rank_seed: bool = False) -> DataLoader:
        """Build a dataloader; ``num_workers=0`` wins over persistence.

        torch's DataLoader raises ``ValueError`` for
        ``persistent_workers=True`` with ``num_workers=0``, so
        ``--cfg-options train_dataloader.num_workers=0`` (debugging, tiny
        machines) crashes with MMAction2's configs. A dataloader config
        without workers is built with ``persistent_workers=False`` (the
        config itself is not modified). A no-op for configs with workers or
        without persistence, and for built dataloaders.

        Args:
            dataloader (DataLoader or dict): What the Runner's
                ``build_dataloader`` takes.
            seed (int, optional): Random seed, as there.
            diff_rank_seed (bool): Whether ranks get different seeds, as
                there.

        Returns:
            DataLoader: The dataloader.
        """
        if (isinstance(dataloader, dict)
                and dataloader.get('num_workers', 0) == 0
                and dataloader.get('persistent_workers', False)):
            dataloader = {**dataloader, 'persistent_workers': False}
        return Runner.build_dataloader(
            dataloader, seed=seed, diff_rank_seed=diff_rank_seed)
