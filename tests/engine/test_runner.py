"""Tests of :class:`pstl_mm.engine.PortableRunner`, grouped by override.

Each override has a test that fails without it, and one that it does what
mmengine's Runner does where that works (CUDA machines still get AMP and
SyncBN, dataloaders with workers keep them). mmengine's own Runner is
checked to be unchanged by ``test_compat.py``; here, that it still fails
where the PortableRunner does not.
"""
import datetime
import json
import os
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from torch import nn

from pstl_mm.engine import PortableRunner
from pstl_mm.engine import runner as portable

from tests.conftest import (CONFIG_DIR, FIXTURES_DIR, REPO_ROOT, free_port,
                       load_toy, run_command)

toy = load_toy()
pytestmark = pytest.mark.usefixtures('keep_global_rngs')


def _norms(model: nn.Module) -> list:
    """The classes of the BatchNorm layers of ``model``, in order."""
    return [
        type(m) for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]


def _fake_cuda(monkeypatch) -> None:
    """Make torch report a CUDA device (model and tensors stay on CPU)."""
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)


@pytest.fixture
def thread_env(monkeypatch):
    """Keep the thread variables a distributed Runner sets to this test."""
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        monkeypatch.setenv(var, os.environ.get(var, '2'))
    monkeypatch.setenv('LOCAL_RANK', '0')


@pytest.fixture
def one_process_group(thread_env):
    """A gloo process group of one rank, as ``--launcher pytorch`` sets up."""
    torch.distributed.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{free_port()}',
        rank=0,
        world_size=1)
    try:
        yield
    finally:
        torch.distributed.destroy_process_group()


# The configs and the registry ---------------------------------------------
@pytest.mark.parametrize('scope', ['mmengine', 'mmaction'])
def test_pstl_configs_build_the_portable_runner(tmp_path, scope):
    from mmaction.registry import RUNNERS
    for name in ('pstl_ntu60_xsub.py', 'linear/linear_ntu60_xsub.py',
                 'partial_body/partial_body_ntu60_xsub.py'):
        assert Config.fromfile(CONFIG_DIR / name).runner_type == \
            'PortableRunner', name
    # Whatever default scope a previous runner left current, MMAction2's
    # RUNNERS (what the tools build from) finds it.
    cfg = Config(toy.toy_cfg(str(tmp_path), runner_type='PortableRunner'))
    with DefaultScope.overwrite_default_scope(scope):
        assert DefaultScope.get_current_instance().scope_name == scope
        runner = RUNNERS.build(cfg)
    assert type(runner) is PortableRunner


# setup_env: --launcher pytorch on CPU --------------------------------------
def test_setup_env_initialises_gloo_without_cuda(tmp_path, no_cuda,
                                                 thread_env, monkeypatch):
    for var, value in (('RANK', '0'), ('WORLD_SIZE', '1'),
                       ('MASTER_ADDR', '127.0.0.1'),
                       ('MASTER_PORT', str(free_port()))):
        monkeypatch.setenv(var, value)
    assert not torch.distributed.is_initialized()
    try:
        runner = PortableRunner.from_cfg(
            Config(
                toy.toy_cfg(
                    str(tmp_path),
                    launcher='pytorch',
                    env_cfg=dict(dist_cfg=dict(backend='nccl',
                                               timeout=60)))))
        assert torch.distributed.is_initialized()
        assert torch.distributed.get_backend() == 'gloo'
        assert runner.distributed and runner.world_size == 1
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


def test_init_cpu_process_group_arguments(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.distributed, 'init_process_group',
                        lambda **kwargs: calls.append(kwargs))
    portable.init_cpu_process_group(
        backend='gloo', init_backend='torch', timeout=5, rank=0)
    portable.init_cpu_process_group()  # mmengine's default backend, nccl
    given, default = calls
    assert given.pop('timeout') == datetime.timedelta(seconds=5)
    assert given == dict(backend='gloo', rank=0)
    assert default == dict(backend='gloo')


def test_two_process_cpu_training_with_pytorch_launcher(tmp_path):
    """``tools/train.py --launcher pytorch`` on two CPU processes."""
    config = tmp_path / 'toy_ddp.py'
    Config(
        toy.toy_cfg(
            str(tmp_path / 'work'),
            runner_type='PortableRunner',
            custom_imports=dict(imports=['pstl_compat_toy']),
            custom_hooks=[dict(type='PSTLCompatDumpHook')])).dump(config)
    (tmp_path / 'tmp').mkdir()  # torchrun's own temporary files go here
    env = dict(
        os.environ,
        OMP_NUM_THREADS='1',
        CUDA_VISIBLE_DEVICES='',
        TMPDIR=str(tmp_path / 'tmp'),
        PYTHONPATH=os.pathsep.join([str(FIXTURES_DIR),
                                    str(REPO_ROOT)]))
    cmd = [
        sys.executable, '-m', 'torch.distributed.run', '--nproc-per-node', '2',
        '--master-port',
        str(free_port()),
        str(REPO_ROOT / 'tools' / 'train.py'),
        str(config), '--launcher', 'pytorch', '--work-dir',
        str(tmp_path / 'work')
    ]
    code, log = run_command(cmd, env=env, cwd=tmp_path, timeout=120)
    assert code == 0, log[-6000:]
    ranks = [
        json.loads((tmp_path / 'work' / f'rank{r}.json').read_text())
        for r in (0, 1)
    ]
    for rank, facts in enumerate(ranks):
        assert facts['runner'] == 'PortableRunner'
        assert facts['rank'] == rank
        assert facts['world_size'] == 2
        assert facts['backend'] == 'gloo'
        assert facts['wrapper'] == 'MMDistributedDataParallel'
        assert facts['device_ids'] is None
        assert facts['iter'] == 2
    # Rank 0 sees labels 0, rank 1 labels 1: only all-reduced gradients keep
    # the parameters equal, and they moved from their initial values.
    assert ranks[0]['params'] == ranks[1]['params']
    init = toy.PSTLCompatToyModel().parameters()
    assert ranks[0]['params'] != [p.flatten().tolist() for p in init]


# wrap_model: DDP without device ids, no SyncBN on CPU -----------------------
def _distributed_runner(work_dir, **overrides) -> PortableRunner:
    """A toy PortableRunner with ``launcher='pytorch'`` and SyncBN asked."""
    return PortableRunner.from_cfg(
        Config(
            toy.toy_cfg(
                str(work_dir),
                max_iters=1,
                launcher='pytorch',
                sync_bn='torch',
                **overrides)))


def test_cpu_ddp_wraps_without_device_ids(tmp_path, no_cuda,
                                          one_process_group):
    runner = _distributed_runner(tmp_path, find_unused_parameters=True)
    ddp = runner.model
    assert type(ddp) is MMDistributedDataParallel
    assert ddp.device_ids is None
    assert ddp.broadcast_buffers is False
    assert ddp.find_unused_parameters is True
    assert _norms(ddp) == [nn.BatchNorm1d]
    wrapper_cfg = dict(type='MMDistributedDataParallel',
                       broadcast_buffers=True)
    ddp = runner.wrap_model(wrapper_cfg, toy.PSTLCompatToyModel())
    assert ddp.device_ids is None and ddp.broadcast_buffers is True
    assert wrapper_cfg == dict(type='MMDistributedDataParallel',
                               broadcast_buffers=True)  # not modified
    # mmengine's Runner gives DDP device_ids=[LOCAL_RANK], which DDP
    # refuses for a CPU module.
    with pytest.raises(ValueError, match='device_ids'):
        Runner.wrap_model(runner, None, toy.PSTLCompatToyModel())


def test_sync_bn_conversion_only_with_cuda(tmp_path, no_cuda,
                                           one_process_group, monkeypatch):
    """A wrapper that is no DDP: BatchNorm kept on CPU, SyncBatchNorm with
    CUDA (the Runner's own path), no device ids in either."""
    runner = _distributed_runner(
        tmp_path, model_wrapper_cfg=dict(type='PSTLCompatToyWrapper'))
    assert type(runner.model) is toy.PSTLCompatToyWrapper
    assert _norms(runner.model.module) == [nn.BatchNorm1d]
    _fake_cuda(monkeypatch)
    wrapped = runner.wrap_model(
        dict(type='PSTLCompatToyWrapper'), toy.PSTLCompatToyModel())
    assert type(wrapped) is toy.PSTLCompatToyWrapper
    assert _norms(wrapped.module) == [nn.SyncBatchNorm]


def test_not_distributed_wraps_as_the_runner(tmp_path, no_cuda):
    runner = PortableRunner.from_cfg(Config(toy.toy_cfg(str(tmp_path))))
    assert type(runner.model) is toy.PSTLCompatToyModel


# build_optim_wrapper: AMP only with CUDA -----------------------------------
AMP = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    dtype='float16',
    optimizer=dict(type='SGD', lr=0.1),
    clip_grad=None)


def test_amp_falls_back_to_optim_wrapper_without_cuda(tmp_path, no_cuda,
                                                      monkeypatch):
    runner = PortableRunner.from_cfg(Config(toy.toy_cfg(str(tmp_path))))
    wrapper = runner.build_optim_wrapper(dict(AMP))
    assert type(wrapper) is OptimWrapper
    assert wrapper.optimizer.param_groups[0]['lr'] == 0.1
    with pytest.raises(AssertionError):  # what mmengine's Runner does
        Runner.build_optim_wrapper(runner, dict(AMP))
    _fake_cuda(monkeypatch)
    assert type(runner.build_optim_wrapper(dict(AMP))) is AmpOptimWrapper


def test_selection_picks_amp_and_sync_bn_only_with_cuda(no_cuda, monkeypatch):
    assert portable.select_optim_wrapper(AMP) == dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.1),
        clip_grad=None)
    assert portable.select_sync_bn('torch') is None
    assert portable.cpu_only()
    _fake_cuda(monkeypatch)
    assert portable.cuda_available() and not portable.cpu_only()
    assert portable.select_optim_wrapper(AMP) is AMP
    assert portable.select_sync_bn('torch') == 'torch'
    plain = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))
    assert portable.select_optim_wrapper(plain) is plain


def test_sync_bn_amp_config_trains_on_cpu(tmp_path, no_cuda,
                                          one_process_group):
    """A CUDA config (SyncBN, AMP, persistent workers) trains on CPU."""
    cfg = toy.toy_cfg(
        str(tmp_path),
        max_iters=1,
        launcher='pytorch',
        sync_bn='torch',
        optim_wrapper=dict(
            type='AmpOptimWrapper',
            loss_scale='dynamic',
            optimizer=dict(type='SGD', lr=0.1)))
    cfg['train_dataloader']['persistent_workers'] = True
    runner = PortableRunner.from_cfg(Config(cfg))
    runner.train()
    assert runner.distributed and runner.iter == 1
    assert type(runner.optim_wrapper) is OptimWrapper
    assert _norms(runner.model) == [nn.BatchNorm1d]
    assert runner.model.device_ids is None
    assert runner.train_dataloader.persistent_workers is False


# build_dataloader: persistent_workers with num_workers=0 --------------------
def _loader_cfg(num_workers: int) -> dict:
    return dict(
        dataset=dict(type='PSTLCompatToyDataset', length=6),
        sampler=dict(type='DefaultSampler', shuffle=False),
        batch_size=2,
        num_workers=num_workers,
        persistent_workers=True)


def test_persistent_workers_without_workers():
    cfg = _loader_cfg(0)
    loader = PortableRunner.build_dataloader(cfg)
    assert loader.num_workers == 0 and not loader.persistent_workers
    batches = list(loader)
    assert len(batches) == 3
    assert [b['labels'][1].item() for b in batches] == [1.0, 1.0, 1.0]
    assert cfg['persistent_workers'] is True  # the config is not modified
    with pytest.raises(ValueError, match='persistent_workers'):
        Runner.build_dataloader(cfg)  # what mmengine's Runner does


def test_persistent_workers_kept_with_workers():
    loader = PortableRunner.build_dataloader(_loader_cfg(1))
    assert loader.num_workers == 1 and loader.persistent_workers
