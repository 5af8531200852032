"""Tests of :mod:`pstl_mm.compat`, grouped by fix.

Each fix has a test that fails without it; the others check that a fix
changes nothing it should not (foreign pickles still refused, CUDA machines
still get AMP and SyncBN, sampled indices unchanged, no double wrapping).
"""
import importlib
import importlib.util
import json
import os
import pickle
import random
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner, load_checkpoint
from torch import nn

import pstl_mm.compat as compat

from .conftest import free_port, run_command

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / 'fixtures'


def _load_toy():
    """Import ``tests/fixtures/pstl_compat_toy.py`` as ``pstl_compat_toy``."""
    if 'pstl_compat_toy' not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            'pstl_compat_toy', FIXTURES / 'pstl_compat_toy.py')
        module = importlib.util.module_from_spec(spec)
        sys.modules['pstl_compat_toy'] = module
        spec.loader.exec_module(module)
    return sys.modules['pstl_compat_toy']


toy = _load_toy()


@pytest.fixture(autouse=True)
def _keep_global_rngs():
    """Restore the global RNGs, which every Runner reseeds, after a test."""
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    yield
    random.setstate(states[0])
    np.random.set_state(states[1])
    torch.set_rng_state(states[2])


def _patch_depth(fn) -> int:
    """How many compat wrappers are stacked on ``fn``."""
    depth = 0
    while getattr(fn, compat._PATCHED, False):
        depth, fn = depth + 1, fn.__wrapped__
    return depth


def test_reimport_wraps_nothing_twice():
    importlib.reload(compat)
    import mmengine.dist.utils as dist_utils
    import mmengine.runner.runner as runner_module
    from mmaction.datasets.transforms import UniformSampleFrames
    for fn in (dist_utils._init_dist_pytorch, Runner.wrap_model,
               runner_module.convert_sync_batchnorm,
               Runner.build_optim_wrapper, Runner.build_dataloader,
               UniformSampleFrames._get_test_clips):
        assert _patch_depth(fn) == 1, fn
    getattrs = [
        g for g in torch.serialization.get_safe_globals()
        if isinstance(g, tuple) and g[1] == 'builtins.getattr'
    ]
    assert len(getattrs) == 1


# 1. mmaction.models.localizers.drn -----------------------------------------
def test_mmaction_models_import_and_register():
    import mmaction.models  # noqa: F401
    from mmaction.models.localizers import DRN
    from mmaction.registry import MODELS
    for name in ('RecognizerGCN', 'STGCN', 'GCNHead', 'BMN'):
        assert MODELS.get(name) is not None, name
    with pytest.raises(ImportError, match='localizers.drn.*2714'):
        DRN()
    with pytest.raises(ImportError, match='2714'):
        MODELS.build(dict(type='DRN'))


# 2. torch.load(weights_only=True) and mmengine checkpoints -----------------
def _resume_cfg(work_dir, **overrides):
    return toy.toy_cfg(
        str(work_dir),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=0.01)),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.5, by_epoch=False, end=1),
            dict(type='MultiStepLR', milestones=[1], by_epoch=False)
        ],
        **overrides)


def test_runner_resumes_its_own_checkpoint(tmp_path):
    first = Runner(**_resume_cfg(tmp_path))
    first.train()
    again = Runner(**_resume_cfg(tmp_path, resume=True))
    again.train()  # resumes at iteration 2 of 2: trains nothing more
    assert again.iter == 2
    for p, q in zip(first.model.parameters(), again.model.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=0)
    state = again.optim_wrapper.optimizer.state_dict()['state']
    expect = first.optim_wrapper.optimizer.state_dict()['state']
    torch.testing.assert_close(state[0]['exp_avg'], expect[0]['exp_avg'])
    loss = again.message_hub.get_scalar('train/loss')
    assert len(loss.data[0]) == 2
    steps = [[s.last_step for s in r.param_schedulers] for r in (first, again)]
    assert steps[0] == steps[1] and steps[0] != [0, 0]
    fresh = toy.PSTLCompatToyModel()  # trained weights differ from these
    trained = first.model.net[0].weight.cpu()
    assert not torch.equal(fresh.net[0].weight, trained)
    load_checkpoint(fresh, str(tmp_path / 'iter_2.pth'), map_location='cpu')
    for p, q in zip(first.model.parameters(), fresh.parameters()):
        torch.testing.assert_close(p.cpu(), q, rtol=0, atol=0)


class _Foreign:
    """An arbitrary class a weights-only load must refuse."""


class _CallsSystem:

    def __reduce__(self):
        return os.system, ('true', )


class _GetsAttr:

    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return getattr, (HistoryBuffer, self.name)


@pytest.mark.parametrize(
    'obj', [_Foreign(), _CallsSystem(),
            _GetsAttr('__init__')],
    ids=['class', 'os.system', 'getattr'])
def test_weights_only_still_refuses_foreign_globals(tmp_path, obj):
    torch.save({'x': obj}, tmp_path / 'foreign.pth')
    with pytest.raises(pickle.UnpicklingError):
        torch.load(tmp_path / 'foreign.pth')


def test_weights_only_allows_history_buffer_statistics(tmp_path):
    torch.save({'x': _GetsAttr('mean')}, tmp_path / 'mean.pth')
    assert torch.load(tmp_path / 'mean.pth')['x'] is HistoryBuffer.mean


# 3. --launcher pytorch on CPU ----------------------------------------------
def test_two_process_cpu_training_with_pytorch_launcher(tmp_path):
    config = tmp_path / 'toy_ddp.py'
    Config(
        toy.toy_cfg(
            str(tmp_path / 'work'),
            custom_imports=dict(imports=['pstl_compat_toy']),
            custom_hooks=[dict(type='PSTLCompatDumpHook')])).dump(config)
    (tmp_path / 'tmp').mkdir()  # torchrun's own temporary files go here
    env = dict(
        os.environ,
        OMP_NUM_THREADS='1',
        CUDA_VISIBLE_DEVICES='',
        TMPDIR=str(tmp_path / 'tmp'),
        PYTHONPATH=os.pathsep.join([str(FIXTURES), str(REPO)]))
    cmd = [
        sys.executable, '-m', 'torch.distributed.run', '--nproc-per-node', '2',
        '--master-port',
        str(free_port()),
        str(REPO / 'tools' / 'train.py'),
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


# 4. SyncBN and AmpOptimWrapper ---------------------------------------------
@pytest.fixture
def one_process_group(monkeypatch):
    """A gloo process group of one rank, as ``--launcher pytorch`` sets up."""
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        monkeypatch.setenv(var, os.environ.get(var, '2'))
    monkeypatch.setenv('LOCAL_RANK', '0')
    torch.distributed.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{free_port()}',
        rank=0,
        world_size=1)
    try:
        yield
    finally:
        torch.distributed.destroy_process_group()


def test_sync_bn_and_amp_config_trains_on_cpu(tmp_path, no_cuda,
                                              one_process_group):
    runner = Runner.from_cfg(
        Config(
            toy.toy_cfg(
                str(tmp_path),
                max_iters=1,
                launcher='pytorch',
                sync_bn='torch',
                model_wrapper_cfg=dict(
                    type='MMDistributedDataParallel', device_ids=None),
                optim_wrapper=dict(
                    type='AmpOptimWrapper',
                    loss_scale='dynamic',
                    optimizer=dict(type='SGD', lr=0.1)))))
    runner.train()
    assert runner.distributed and runner.iter == 1
    assert type(runner.optim_wrapper) is OptimWrapper
    norms = [
        type(m) for m in runner.model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]
    assert norms == [nn.BatchNorm1d]


def test_selection_picks_amp_and_sync_bn_only_with_cuda(no_cuda, monkeypatch):
    amp = dict(
        type='AmpOptimWrapper',
        loss_scale='dynamic',
        dtype='float16',
        optimizer=dict(type='SGD', lr=0.1),
        clip_grad=None)
    assert compat.select_optim_wrapper(amp) == dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.1),
        clip_grad=None)
    assert compat.select_sync_bn('torch') is None
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    assert compat.cuda_available()
    assert compat.select_optim_wrapper(amp) is amp
    assert compat.select_sync_bn('torch') == 'torch'
    plain = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))
    assert compat.select_optim_wrapper(plain) is plain


# 5. persistent_workers with num_workers=0 ----------------------------------
def test_persistent_workers_without_workers():
    cfg = dict(
        dataset=dict(type='PSTLCompatToyDataset', length=6),
        sampler=dict(type='DefaultSampler', shuffle=False),
        batch_size=2,
        num_workers=0,
        persistent_workers=True)
    loader = Runner.build_dataloader(cfg)
    assert loader.num_workers == 0 and not loader.persistent_workers
    batches = list(loader)
    assert len(batches) == 3
    assert [b['labels'][1].item() for b in batches] == [1.0, 1.0, 1.0]
    assert cfg['persistent_workers'] is True  # the config is not modified


# 6. UniformSampleFrames reseeding numpy's global RNG -----------------------
def _sample(transform, total_frames=20):
    return transform(dict(total_frames=total_frames, start_index=0))


def _expected_indices(seed, clip_len, num_clips, total_frames):
    """``_get_test_clips`` for total_frames >= 2 * clip_len, by hand."""
    rng = np.random.RandomState(seed)
    bids = np.arange(clip_len + 1) * total_frames // clip_len
    offsets = [rng.randint(np.diff(bids)) for _ in range(num_clips)]
    return np.concatenate([bids[:clip_len] + o for o in offsets])


@pytest.fixture
def start_state():
    """A fixed global numpy state to start from (restored afterwards)."""
    state = np.random.RandomState(7).get_state()
    np.random.set_state(state)
    return state


def _same_state(a, b) -> bool:
    return (a[0] == b[0] and np.array_equal(a[1], b[1])
            and tuple(a[2:]) == tuple(b[2:]))


def test_uniform_sample_frames_keeps_global_state(start_state):
    from mmaction.datasets.transforms import (MMUniformSampleFrames,
                                              UniformSampleFrames)
    out = _sample(UniformSampleFrames(5, num_clips=2, test_mode=True))
    assert _same_state(np.random.get_state(), start_state)
    np.testing.assert_array_equal(out['frame_inds'],
                                  _expected_indices(255, 5, 2, 20))
    mm = MMUniformSampleFrames(dict(Pose=5), test_mode=True, seed=3)
    out = mm(dict(total_frames=20, modality='Pose'))
    assert _same_state(np.random.get_state(), start_state)
    np.testing.assert_array_equal(out['Pose_inds'],
                                  _expected_indices(3, 5, 1, 20))


def test_uniform_sample_frames_output_unchanged(monkeypatch):
    from mmaction.datasets.transforms import UniformSampleFrames
    transform = UniformSampleFrames(6, num_clips=3, test_mode=True, seed=11)
    patched = UniformSampleFrames._get_test_clips
    original = getattr(patched, '__wrapped__', patched)
    for total_frames in (4, 9, 40):  # the three branches of _get_test_clips
        fixed = _sample(transform, total_frames)['frame_inds']
        monkeypatch.setattr(UniformSampleFrames, '_get_test_clips', original)
        unpatched = _sample(transform, total_frames)['frame_inds']
        monkeypatch.setattr(UniformSampleFrames, '_get_test_clips', patched)
        np.testing.assert_array_equal(fixed, unpatched)


def test_uniform_sample_frames_leaves_global_draws_alone(start_state):
    from mmaction.datasets.transforms import UniformSampleFrames
    transform = UniformSampleFrames(5, test_mode=True)
    draws = [np.random.random(4)]
    for _ in range(2):
        _sample(transform)
        draws.append(np.random.random(4))
    assert not np.array_equal(draws[1], draws[2])
    reference = np.random.RandomState()
    reference.set_state(start_state)
    np.testing.assert_array_equal(np.concatenate(draws), reference.random(12))
