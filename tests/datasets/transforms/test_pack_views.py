"""Views named once: MultiView -> PackViews -> ViewsDataPreprocessor -> PSTL,
and joint masks at evaluation through packing and the head's kwargs."""
import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope

from pstl_mm.datasets.transforms import (MultiView, PartialBodyOcclusion,
                                         iter_transforms)
from pstl_mm.models.backbones import MaskableSTGCN

from tests.conftest import CONFIG_DIR, build, make_sample, tiny_cfg, \
    write_annotations


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


def _views_sample(idx: int, views=('anchor', 'spatial', 'other')) -> dict:
    """A MultiView-like output: every view but the first has a mask."""
    rng = np.random.default_rng(idx)
    out = dict(frame_dir=f'clip{idx}', sample_idx=idx, label=idx % 3,
               views={})
    for i, name in enumerate(views):
        view = dict(keypoint=rng.normal(size=(2, 6, 25, 3)))  # float64
        if i:
            view['joint_mask'] = np.arange(25) % (i + 2) == 0
        out['views'][name] = view
    return out


def test_pack_views_packs_whatever_views_and_masks_exist():
    pack = build(dict(type='PackViews', meta_keys=('frame_dir', )))
    sample = _views_sample(4)
    packed = pack(sample)
    inputs = packed['inputs']
    assert list(inputs) == ['anchor', 'spatial', 'other']
    assert list(inputs['anchor']) == ['keypoint']
    for name in ('anchor', 'spatial', 'other'):
        keypoint = inputs[name]['keypoint']
        assert keypoint.dtype == torch.float32
        assert keypoint.shape == (2, 6, 25, 3)
        np.testing.assert_allclose(keypoint.numpy(),
                                   sample['views'][name]['keypoint'],
                                   rtol=1e-6)
    for name in ('spatial', 'other'):
        assert list(inputs[name]) == ['keypoint', 'joint_mask']
        assert inputs[name]['joint_mask'].dtype == torch.bool
    assert inputs['spatial']['joint_mask'].sum() == 9  # 0, 3, ..., 24
    assert inputs['other']['joint_mask'].sum() == 7  # 0, 4, ..., 24
    assert packed['data_samples'].metainfo == dict(frame_dir='clip4')
    assert packed['data_samples'].gt_label.tolist() == [1]


def test_pack_views_names_the_sample_it_cannot_pack():
    pack = build(dict(type='PackViews'))
    with pytest.raises(KeyError, match="frame_dir='clip1'.*MultiView"):
        pack(dict(frame_dir='clip1', keypoint=np.zeros((1, 4, 25, 3))))
    sample = _views_sample(2)
    sample['views']['spatial']['joint_mask'] = np.zeros(20, bool)
    with pytest.raises(ValueError,
                       match=r"clip2.*'spatial'.*\(20,\), expected \(25,\)"):
        pack(sample)


def test_preprocessor_stacks_every_view_and_keeps_masks_bool():
    from mmaction.registry import MODELS
    pre = MODELS.build(dict(type='ViewsDataPreprocessor'))
    pack = build(dict(type='PackViews'))
    batch = pre(pseudo_collate([pack(_views_sample(i)) for i in range(3)]))
    inputs = batch['inputs']
    shapes = {
        name: {
            key: (value.dtype, tuple(value.shape))
            for key, value in view.items()
        }
        for name, view in inputs.items()
    }
    keypoint = (torch.float32, (3, 2, 6, 25, 3))
    assert shapes == {
        'anchor': dict(keypoint=keypoint),
        # one mask for the batch: the indices of the 16 kept joints
        'spatial': dict(keypoint=keypoint, joint_mask=(torch.bool, (3, 25)),
                        kept_joints=(torch.int64, (16, ))),
        'other': dict(keypoint=keypoint, joint_mask=(torch.bool, (3, 25)),
                      kept_joints=(torch.int64, (18, ))),
    }
    assert inputs['spatial']['kept_joints'].tolist() == [
        j for j in range(25) if j % 3
    ]
    assert len(batch['data_samples']) == 3

    short = _views_sample(9)
    short['views']['anchor']['keypoint'] = np.zeros((2, 5, 25, 3))
    with pytest.raises(ValueError, match=r"'anchor' keypoint differ in shape"):
        pre(pseudo_collate([pack(_views_sample(0)), pack(short)]))
    with pytest.raises(TypeError, match='dict of views'):
        pre(dict(inputs=[torch.zeros(2, 6, 25, 3)], data_samples=None))


def test_preprocessor_works_out_each_masks_path_on_the_host():
    """kept_joints: (V_kept,) for one mask, (N, V_kept) for equal counts,
    'ragged' otherwise; a mask removing every joint is named."""
    from mmaction.registry import MODELS
    pre = MODELS.build(dict(type='ViewsDataPreprocessor'))
    keypoint = [torch.zeros(2, 6, 25, 3)] * 3
    equal = torch.zeros(3, 25, dtype=torch.bool)
    equal[0, [1, 2]] = equal[1, [0, 24]] = equal[2, [5, 6]] = True
    ragged = equal.clone()
    ragged[2, 7] = True

    def kept_of(mask):
        data = dict(inputs=dict(view=dict(keypoint=keypoint,
                                          joint_mask=list(mask))))
        return pre(data)['inputs']['view']['kept_joints']

    index = kept_of(equal)
    assert index.dtype == torch.int64 and index.shape == (3, 23)
    for row, sample in zip(index.tolist(), equal):
        assert row == torch.nonzero(~sample).flatten().tolist()
    assert kept_of(ragged) == 'ragged'
    everything = equal.clone()
    everything[1] = True
    with pytest.raises(ValueError,
                       match=r"'view'.*every joint of sample\(s\) \[1\]"):
        kept_of(everything)
    with pytest.raises(TypeError,
                       match=r"view 'view'.*\['keypoint', 'oops'\]"):
        pre(dict(inputs=dict(view=dict(keypoint=keypoint, oops=keypoint))))


def test_configured_pipeline_feeds_pstl_bool_masks(tmp_path):
    """From the config's dataset to model.loss, the mask is bool all along."""
    from mmaction.registry import DATASETS, MODELS
    ann = write_annotations(tmp_path / 'a.pkl', 2, 0)
    cfg = tiny_cfg(str(CONFIG_DIR / 'pstl_ntu60_xsub.py'), ann, tmp_path)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    model = MODELS.build(cfg.model)
    assert model.pairs is None
    batch = model.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(4)]), training=True)
    inputs = batch['inputs']
    assert sorted(inputs) == ['anchor', 'spatial', 'temporal']
    spatial = inputs['spatial']
    assert spatial['joint_mask'].dtype == torch.bool
    assert spatial['joint_mask'].sum(1).tolist() == [9] * 4
    assert spatial['kept_joints'].shape in ((16, ), (4, 16))
    assert model.pairs_of(inputs) == dict(spatial=('anchor', 'spatial'),
                                          temporal=('anchor', 'temporal'))
    losses = model(**batch, mode='loss')
    assert sorted(losses) == ['loss_spatial', 'loss_temporal']
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())


def test_default_pairs_need_an_anchor(tmp_path):
    from mmaction.registry import MODELS
    ann = write_annotations(tmp_path / 'a.pkl', 1, 0)
    cfg = tiny_cfg(str(CONFIG_DIR / 'pstl_ntu60_xsub.py'), ann, tmp_path)
    model = MODELS.build(cfg.model)
    x = torch.zeros(2, 2, 6, 25, 3)
    with pytest.raises(KeyError, match=r"'anchor' view.*\['first', 'second'"):
        model.pairs_of(dict(first=x, second=x))
    with pytest.raises(KeyError, match='every other view'):
        model.pairs_of(dict(anchor=x))
    # the flat form of old, a mask beside its view, is named, not encoded
    mask = torch.zeros(2, 25, dtype=torch.bool)
    with pytest.raises(ValueError, match="PSTL: key 'spatial_joint_mask'"):
        model.loss(dict(anchor=x, spatial=x, spatial_joint_mask=mask))


def test_iter_transforms_finds_transforms_inside_views_and_wrappers():
    occlusion = dict(type='PartialBodyOcclusion', level=2)
    pipeline = Compose([
        dict(type='MultiView',
             views=dict(anchor=[dict(type='SkeletonShear'), occlusion],
                        other=[occlusion])),
        dict(type='PackViews'),
    ])

    class Dataset:  # a dataset wrapping a dataset, as MMEngine's wrappers
        def __init__(self, **kw):
            self.__dict__.update(kw)

    wrapped = Dataset(dataset=Dataset(pipeline=pipeline))
    names = [type(t).__name__ for t in iter_transforms(wrapped)]
    assert names == ['MultiView', 'SkeletonShear', 'PartialBodyOcclusion',
                     'PartialBodyOcclusion', 'PackViews']
    found = [t for t in iter_transforms(wrapped)
             if isinstance(t, PartialBodyOcclusion)]
    multiview = pipeline.transforms[0]
    assert isinstance(multiview, MultiView)
    assert found == [multiview.pipelines['anchor'].transforms[1],
                     multiview.pipelines['other'].transforms[0]]


def test_masked_head_pools_kept_joints_and_is_gcn_head_without_mask():
    from mmaction.registry import MODELS
    masked = MODELS.build(
        dict(type='MaskedGCNHead', num_classes=5, in_channels=8)).eval()
    plain = MODELS.build(
        dict(type='GCNHead', num_classes=5, in_channels=8)).eval()
    plain.load_state_dict(masked.state_dict())
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, 2, 8, 4, 25, generator=gen)
    mask = torch.zeros(3, 25, dtype=torch.bool)
    mask[0, :5] = True
    mask[2, 10:20] = True
    x = x * (~mask).view(3, 1, 1, 1, 25)  # the encoder's zeros
    torch.testing.assert_close(masked(x), plain(x), rtol=0, atol=0)
    expected = masked.fc(MaskableSTGCN.pool(x, mask))
    torch.testing.assert_close(masked(x, joint_mask=mask), expected)
    # Sample 1 keeps every joint: the plain mean; sample 0 keeps 20 of 25.
    scores = masked(x, joint_mask=mask)
    torch.testing.assert_close(scores[1], plain(x)[1])
    mean_kept = x[0].sum(dim=(2, 3)).mean(0) / (4 * 20)
    torch.testing.assert_close(scores[0], masked.fc(mean_kept))


def test_packed_sample_of_real_multiview_has_every_view():
    multiview = build(
        dict(type='MultiView',
             views=dict(anchor=[dict(type='SkeletonShear', seed=0)],
                        spatial=[dict(type='CentralSpatialMasking',
                                      num_masked=9, seed=0)])))
    sample = make_sample()
    sample['sample_idx'] = 3
    packed = build(dict(type='PackViews'))(multiview(sample))
    assert sorted(packed['inputs']) == ['anchor', 'spatial']
    assert packed['inputs']['spatial']['joint_mask'].sum() == 9
