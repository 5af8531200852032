"""The views format: kept joints worked out on the host, inputs checked."""
import numpy as np
import pytest
import torch

from pstl_mm.structures import (RAGGED, batch_joint_masks, batch_view,
                                check_kept_joints, check_views, kept_joints,
                                mask_arguments)


def _mask(rows):
    """(N, 25) bool mask removing the listed joints of each sample."""
    mask = torch.zeros(len(rows), 25, dtype=torch.bool)
    for i, removed in enumerate(rows):
        mask[i, removed] = True
    return mask


def test_kept_joints_of_each_kind_of_mask():
    shared = kept_joints(_mask([[0, 3], [0, 3], [0, 3]]))
    assert shared.dtype == torch.int64
    assert shared.tolist() == [j for j in range(25) if j not in (0, 3)]
    equal = kept_joints(_mask([[0, 3], [1, 24], [7, 8]]))
    assert equal.shape == (3, 23)
    assert equal[1].tolist() == [0] + list(range(2, 24))
    assert equal[2].tolist() == [j for j in range(25) if j not in (7, 8)]
    assert kept_joints(_mask([[0, 3], [1], [7, 8]])) == RAGGED
    # one sample: its mask is shared by the batch
    assert kept_joints(_mask([[5]])).shape == (24, )


def test_kept_joints_refuse_a_sample_without_joints():
    mask = _mask([[0], list(range(25)), [1], list(range(25))])
    with pytest.raises(ValueError,
                       match=r'^spatial removes every joint of sample\(s\) '
                       r'\[1, 3\]$'):
        kept_joints(mask, 'spatial')
    with pytest.raises(ValueError, match=r'\(N, V\) bool mask.*int64'):
        kept_joints(torch.zeros(2, 25, dtype=torch.int64))


def test_check_kept_joints_checks_the_form_only():
    check_kept_joints(torch.arange(5), 3, 25, 'v')
    check_kept_joints(torch.zeros(3, 5, dtype=torch.int64), 3, 25, 'v')
    check_kept_joints(RAGGED, 3, 25, 'v')
    for bad, message in [
        (torch.zeros(4, 5, dtype=torch.int64), r'\(3, V_kept\)'),
        (torch.zeros(3, 26, dtype=torch.int64), 'V_kept <= 25'),
        (torch.zeros(5), 'int64'),
        ('dense', "'ragged'"),
    ]:
        with pytest.raises(ValueError, match=message):
            check_kept_joints(bad, 3, 25, 'v')


def test_batch_view_and_batch_joint_masks():
    x = torch.zeros(2, 1, 4, 25, 3)
    assert batch_view(x) == dict(keypoint=x)
    mask = _mask([[1], [2]])
    view = batch_view(x, mask)
    assert view['joint_mask'] is mask
    assert view['kept_joints'].shape == (2, 24)
    # per-sample (V,) masks, numpy or torch; None keeps every joint
    args = batch_joint_masks(
        [np.eye(25, dtype=bool)[3], None, torch.eye(25).bool()[3]], 25)
    assert args['joint_mask'].tolist() == _mask([[3], [], [3]]).tolist()
    assert args['kept_joints'] == RAGGED
    assert batch_joint_masks([None, None], 25) is None
    with pytest.raises(ValueError, match=r'joint_mask of sample 1 has '
                       r'shape \(20,\), expected \(V,\) = \(25,\)'):
        batch_joint_masks([None, np.zeros(20, bool)], 25)


def test_check_views_reads_views_and_names_what_is_wrong():
    x = torch.zeros(2, 1, 4, 25, 3)
    mask = _mask([[1], [2]])
    views = check_views(dict(anchor=x, spatial=batch_view(x, mask)))
    assert list(views) == ['anchor', 'spatial']
    assert views['anchor'] == dict(keypoint=x)
    assert set(views['spatial']) == {'keypoint', 'joint_mask', 'kept_joints'}
    for inputs, error, message in [
        # the flat form of old: the mask beside its view
        (dict(spatial=x, spatial_joint_mask=mask), ValueError,
         r"PSTL: key 'spatial_joint_mask' looks like a joint mask"),
        (dict(anchor=x, spatial=[x, mask]), TypeError,
         r"view 'spatial' must be a keypoint tensor or a dict.*list"),
        (dict(anchor=mask), ValueError,
         r"keypoint of view 'anchor' must be a floating-point tensor, "
         r'got torch.bool'),
        (dict(anchor=dict(keypoint=x, mask=mask)), ValueError,
         r"view 'anchor' must have 'keypoint'.*\['keypoint', 'mask'\]"),
        (dict(anchor=dict(keypoint=x, kept_joints=RAGGED)), ValueError,
         r"view 'anchor' has 'kept_joints' but no 'joint_mask'"),
        ({}, ValueError, 'no views'),
        (x, TypeError, 'expected a dict view name -> view, got Tensor'),
    ]:
        with pytest.raises(error, match=message):
            check_views(inputs, 'PSTL')


class _TakesBoth(torch.nn.Module):

    def forward(self, x, joint_mask=None, kept_joints=None):
        return x


class _TakesMask(torch.nn.Module):

    def forward(self, x, joint_mask=None, **kwargs):
        return x


class _TakesNone(torch.nn.Module):

    def forward(self, x):
        return x


def test_mask_arguments_give_what_the_module_takes():
    mask = _mask([[1], [2]])
    view = batch_view(torch.zeros(2, 1, 4, 25, 3), mask)
    both = mask_arguments(_TakesBoth(), 'forward', view, 'here')
    assert set(both) == {'joint_mask', 'kept_joints'}
    assert both['kept_joints'] is view['kept_joints']
    assert mask_arguments(_TakesMask(), 'forward', view, 'here') == dict(
        joint_mask=mask)
    assert mask_arguments(_TakesNone(), 'forward', dict(keypoint=1),
                          'here') == {}
    with pytest.raises(ValueError,
                       match=r'^here: .*_TakesNone takes no joint_mask '
                       r'argument \(in forward\)'):
        mask_arguments(_TakesNone(), 'forward', view, 'here')
