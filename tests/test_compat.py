"""Tests of :mod:`pstl_mm.compat`, grouped by fix.

Each fix has a test that fails without it; the others check that a fix
changes nothing it should not (foreign pickles still refused, sampled
indices unchanged, no double wrapping), and that importing the package
leaves mmengine's Runner as it is: the Runner's fixes are
:class:`pstl_mm.engine.PortableRunner`'s (``tests/engine/test_runner.py``).
"""
import importlib
import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.registry import DefaultScope
from mmengine.runner import Runner, load_checkpoint

import pstl_mm.compat as compat

from tests.conftest import REPO_ROOT, load_toy

toy = load_toy()
pytestmark = pytest.mark.usefixtures('keep_global_rngs')


def _patch_depth(fn) -> int:
    """How many compat wrappers are stacked on ``fn``."""
    depth = 0
    while getattr(fn, compat._PATCHED, False):
        depth, fn = depth + 1, fn.__wrapped__
    return depth


def test_reimport_wraps_nothing_twice():
    importlib.reload(compat)
    from mmaction.datasets.transforms import UniformSampleFrames
    assert _patch_depth(UniformSampleFrames._get_test_clips) == 1
    getattrs = [
        g for g in torch.serialization.get_safe_globals()
        if isinstance(g, tuple) and g[1] == 'builtins.getattr'
    ]
    assert len(getattrs) == 1


# Run in a fresh interpreter: which attributes of the Runner class, of its
# module, of mmengine.dist.utils and of mmengine.model `import pstl_mm`
# replaces, or adds (submodules imported on the way aside).
_IMPORT_CHANGES = """
import json, types
import mmengine.dist.utils as dist_utils
import mmengine.model as model
import mmengine.runner.runner as runner_module
from mmengine.runner import Runner
spaces = dict(Runner=Runner.__dict__, runner=vars(runner_module),
              dist=vars(dist_utils), model=vars(model))
before = {name: dict(space) for name, space in spaces.items()}
import pstl_mm
changed = sorted(
    f'{name}.{key}' for name, space in spaces.items() for key in space
    if (space[key] is not before[name][key] if key in before[name] else
        not isinstance(space[key], types.ModuleType)))
print(json.dumps(dict(changed=changed, runner=len(spaces['Runner']))))
"""

_RUNNER_METHODS = ('setup_env', 'wrap_model', 'build_optim_wrapper',
                   'build_dataloader', 'build_model', 'train', 'test')


def test_import_changes_nothing_of_mmengine_runner():
    result = subprocess.run([sys.executable, '-c', _IMPORT_CHANGES],
                            capture_output=True,
                            text=True,
                            timeout=300,
                            cwd=REPO_ROOT,
                            env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report['changed'] == []
    assert report['runner'] > 50  # Runner's attributes were looked at


def test_runner_methods_are_mmengine_functions():
    """In this process, after ``import pstl_mm``: mmengine's own code."""
    import mmengine.dist.utils as dist_utils
    import mmengine.model
    import mmengine.runner.runner as runner_module
    for name in _RUNNER_METHODS:
        fn = Runner.__dict__[name]
        fn = getattr(fn, '__func__', fn)  # build_dataloader: staticmethod
        assert not hasattr(fn, '__wrapped__'), name
        assert fn.__code__.co_filename == runner_module.__file__, name
    assert isinstance(Runner.__dict__['build_dataloader'], staticmethod)
    assert runner_module.convert_sync_batchnorm is \
        mmengine.model.convert_sync_batchnorm
    for fn in (runner_module.convert_sync_batchnorm,
               dist_utils._init_dist_pytorch, dist_utils.init_dist):
        assert not hasattr(fn, '__wrapped__'), fn
        assert fn.__code__.co_filename.startswith(
            os.path.dirname(mmengine.__file__)), fn


# 1. mmaction.models.localizers.drn -----------------------------------------
def test_mmaction_models_import_and_register():
    import mmaction.models  # noqa: F401
    from mmaction.models.localizers import DRN
    from mmaction.registry import MODELS
    for name in ('RecognizerGCN', 'STGCN', 'GCNHead', 'BMN'):
        assert MODELS.get(name) is not None, name
    with pytest.raises(ImportError, match='localizers.drn.*2714'):
        DRN()
    # In MMAction2's scope, whatever scope an earlier Runner left current.
    with DefaultScope.overwrite_default_scope('mmaction'), \
            pytest.raises(ImportError, match='2714'):
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


# 3. UniformSampleFrames reseeding numpy's global RNG -----------------------
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
