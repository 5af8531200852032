"""The bone and motion streams: MMAction2's JointToBone and ToMotion.

The reference code's ``get_stream(x, view='bone' | 'motion')`` is reproduced
exactly by MMAction2's own transforms, so the package adds none:

* bone: ``dict(type='JointToBone', dataset='nturgb+d')``;
* motion: ``dict(type='ToMotion', source='keypoint', target='keypoint')``
  (its default target is a separate ``'motion'`` key).
"""
import numpy as np
import pytest
import torch
from mmaction.registry import TRANSFORMS
from mmengine.registry import DefaultScope

import pstl_mm  # noqa: F401  (applies the stack fixes)
from pstl_mm.skeleton import get_layout

BONE = dict(type='JointToBone', dataset='nturgb+d')
MOTION = dict(type='ToMotion', source='keypoint', target='keypoint')


def build(cfg):
    """Build ``cfg`` from MMAction2's registry, whatever scope is current."""
    with DefaultScope.overwrite_default_scope('mmaction'):
        return TRANSFORMS.build(cfg)


def to_sample(x, i):
    """Sample i of (N, C, T, V, M) -> results with keypoint (M, T, V, C)."""
    keypoint = x[i].permute(3, 1, 2, 0).contiguous().numpy()
    return dict(keypoint=keypoint, frame_dir=f'ref{i}')


def to_reference(keypoint):
    """(M, T, V, C) -> the reference's (C, T, V, M)."""
    return torch.from_numpy(keypoint).permute(3, 1, 2, 0)


@pytest.mark.parametrize('cfg, key', [(BONE, 'bone_x'), (MOTION, 'motion_x')])
def test_stream_equals_reference_exactly(reference, cfg, key):
    x, expected = reference['x'], reference[key]
    transform = build(cfg)
    for i in range(x.shape[0]):
        out = transform(to_sample(x, i))['keypoint']
        assert out.dtype == np.float32
        assert out.shape == (2, 50, 25, 3)
        assert torch.equal(to_reference(out), expected[i]), (key, i)


def test_bone_pairs_are_the_layout_parents():
    rng = np.random.default_rng(0)
    keypoint = rng.normal(size=(2, 6, 25, 3)).astype(np.float32)
    out = build(BONE)(dict(keypoint=keypoint.copy()))['keypoint']
    parents = list(get_layout('nturgb+d').parents)
    np.testing.assert_array_equal(out, keypoint - keypoint[:, :, parents])
    assert np.all(out[:, :, 20] == 0)  # the root (spine shoulder)


def test_motion_is_forward_difference_last_frame_zero():
    rng = np.random.default_rng(0)
    keypoint = rng.normal(size=(2, 6, 25, 3)).astype(np.float32)
    out = build(MOTION)(dict(keypoint=keypoint.copy()))['keypoint']
    np.testing.assert_array_equal(out[:, :-1],
                                  keypoint[:, 1:] - keypoint[:, :-1])
    assert np.all(out[:, -1] == 0)
