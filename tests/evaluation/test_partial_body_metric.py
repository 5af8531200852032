"""Partial-body evaluation: occlusion, masked recognizer, metric and loop."""
import json
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope

from pstl_mm.datasets.synthetic import make_synthetic_annotations
from pstl_mm.datasets.transforms import PartialBodyOcclusion
from pstl_mm.evaluation import PartialBodyMetric
from pstl_mm.evaluation.partial_body_metric import format_tables, summarize
from pstl_mm.models.backbones import MaskableSTGCN
from pstl_mm.skeleton import PART_NAMES, get_layout

from tests.conftest import REPO_ROOT, build_runner

CONFIG = (REPO_ROOT / 'configs' / 'pstl' / 'partial_body' /
          'partial_body_ntu60_xsub.py')
NTU = get_layout('nturgb+d')
META_KEYS = ('sample_idx', 'occlusion', 'occluded_joints')


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


def _sample(idx, shape=(2, 6, 25, 3), with_score=False, layout='nturgb+d'):
    """A sample dict with distinct non-zero coordinates, as the dataset
    gives it (``layout`` set unless None)."""
    keypoint = np.arange(1, np.prod(shape) + 1, dtype=np.float32)
    sample = dict(keypoint=keypoint.reshape(shape), sample_idx=idx,
                  frame_dir=f's{idx}')
    if layout is not None:
        sample['layout'] = layout
    if with_score:
        sample['keypoint_score'] = np.ones(shape[:3], dtype=np.float32)
    return sample


# ------------------------------------------------------------------ (a)


@pytest.mark.parametrize('level', [0, 2, 4, 6, 8, 10, 24])
def test_joints_zero_and_drop(level):
    zero = PartialBodyOcclusion(kind='joints', level=level, mode='zero',
                                seed=3)
    drop = PartialBodyOcclusion(kind='joints', level=level, mode='drop',
                                seed=3)
    for idx in range(5):
        original = _sample(idx, with_score=True)
        out = zero(_sample(idx, with_score=True))
        joints = out['occluded_joints']
        assert joints == sorted(set(joints)) and len(joints) == level
        assert all(0 <= j < 25 for j in joints)
        kept = [j for j in range(25) if j not in joints]
        assert np.all(out['keypoint'][:, :, joints] == 0)
        assert np.all(out['keypoint_score'][:, :, joints] == 0)
        np.testing.assert_array_equal(out['keypoint'][:, :, kept],
                                      original['keypoint'][:, :, kept])
        assert 'joint_mask' not in out
        assert out['occlusion'] == dict(
            kind='joints', level=level, mode='zero', repeat=0)

        out = drop(_sample(idx))
        # Same seed, setting and sample: the same joints in both modes.
        assert out['occluded_joints'] == joints
        np.testing.assert_array_equal(out['keypoint'], original['keypoint'])
        assert out['joint_mask'].dtype == bool
        assert out['joint_mask'].shape == (25, )
        assert np.flatnonzero(out['joint_mask']).tolist() == joints


@pytest.mark.parametrize('level', [0, 1, 2, 3, 4])
def test_parts_are_unions_of_layout_parts(level):
    occlusion = PartialBodyOcclusion(kind='parts', level=level, seed=0)
    seen = set()
    for idx in range(40):
        joints = set(occlusion(_sample(idx))['occluded_joints'])
        hidden = [p for p in PART_NAMES if set(NTU.parts[p]) <= joints]
        assert len(hidden) == level
        assert joints == {j for p in hidden for j in NTU.parts[p]}
        seen.add(tuple(hidden))
    if 0 < level < 5:
        assert len(seen) > 1  # different samples, different parts


@pytest.mark.parametrize('mode', ['zero', 'drop'])
def test_occlusion_reads_the_layout_of_the_sample(mode):
    kinect = get_layout('kinect_v1')
    parts = PartialBodyOcclusion(kind='parts', level=2, mode=mode, seed=0)
    for idx in range(20):
        out = parts(_sample(idx, shape=(1, 4, 20, 3), layout='kinect_v1'))
        joints = set(out['occluded_joints'])
        hidden = [p for p in PART_NAMES if set(kinect.parts[p]) <= joints]
        assert len(hidden) == 2
        assert joints == {j for p in hidden for j in kinect.parts[p]}
        if mode == 'drop':
            assert out['joint_mask'].shape == (20, )
            assert sorted(np.flatnonzero(out['joint_mask'])) == sorted(joints)
    # Given or read, the same joints are hidden.
    given = PartialBodyOcclusion(kind='joints', level=6, mode=mode,
                                 layout='nturgb+d', seed=2)
    read = PartialBodyOcclusion(kind='joints', level=6, mode=mode, seed=2)
    for idx in range(5):
        assert given(_sample(idx, layout=None))['occluded_joints'] == \
            read(_sample(idx))['occluded_joints']
    assert 'layout=None' in repr(read)


def test_occlusion_without_a_layout_names_the_sample():
    with pytest.raises(ValueError, match="PartialBodyOcclusion on sample "
                       "'s3': no skeleton layout"):
        PartialBodyOcclusion(level=2)(_sample(3, layout=None))


def test_draws_are_reproducible_and_keyed_by_repeat_not_epoch():
    state = np.random.get_state()[1].copy()
    torch_state = torch.get_rng_state().clone()
    a = PartialBodyOcclusion(kind='joints', level=4, seed=7)
    b = PartialBodyOcclusion(kind='joints', level=4, seed=7)
    draws_a = [a(_sample(i))['occluded_joints'] for i in range(20)]
    hub = MessageHub.get_current_instance()
    epoch = hub.get_info('epoch', 0)
    hub.update_info('epoch', 5)
    try:
        draws_b = [b(_sample(i))['occluded_joints'] for i in range(20)]
    finally:
        hub.update_info('epoch', epoch)
    assert draws_a == draws_b  # same (seed, setting, sample), any epoch
    assert len({tuple(d) for d in draws_a}) == 20  # samples differ
    b.set_setting('joints', 4, 'zero', repeat=1)
    draws_r1 = [b(_sample(i))['occluded_joints'] for i in range(20)]
    assert all(x != y for x, y in zip(draws_a, draws_r1))
    c = PartialBodyOcclusion(kind='joints', level=4, seed=8)
    assert [c(_sample(i))['occluded_joints']
            for i in range(20)] != draws_a  # another seed
    # Neither global generator was touched.
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_invalid_settings_raise():
    # A joints level is checked against the layout when it is known: given
    # to the transform or to check_setting, else the first sample's.
    with pytest.raises(ValueError, match="would remove every joint: layout "
                       "'nturgb\\+d' has 25 joints"):
        PartialBodyOcclusion(kind='joints', level=25, layout='nturgb+d')
    unchecked = PartialBodyOcclusion(kind='joints', level=20)
    with pytest.raises(ValueError, match="layout 'kinect_v1' has 20 joints"):
        unchecked.check_setting('joints', 20, 'zero', 0, layout='kinect_v1')
    unchecked.check_setting('joints', 20, 'zero', 0, layout='nturgb+d')
    with pytest.raises(ValueError, match="PartialBodyOcclusion on sample "
                       "'s0': .* would remove every joint: layout "
                       "'kinect_v1' has 20 joints"):
        unchecked(_sample(0, shape=(1, 2, 20, 3), layout='kinect_v1'))
    assert len(unchecked(_sample(0))['occluded_joints']) == 20
    occlusion = PartialBodyOcclusion(kind='parts', level=1)
    with pytest.raises(ValueError, match="level=5.*every joint"):
        occlusion.set_setting('parts', 5, 'drop', 0)
    with pytest.raises(ValueError, match='unknown kind'):
        occlusion.set_setting('limbs', 1, 'drop', 0)
    with pytest.raises(ValueError, match='unknown mode'):
        occlusion.set_setting('parts', 1, 'blur', 0)
    with pytest.raises(ValueError, match='has 25'):
        occlusion(_sample(0, shape=(1, 2, 17, 3)))
    assert occlusion.setting == dict(
        kind='parts', level=1, mode='zero', repeat=0)


# ------------------------------------------------------------------ (b)


def _fake_outputs(occlusion, num_samples, watched=3, num_classes=10):
    """Model outputs that are right iff joint ``watched`` is visible."""
    outputs = []
    for idx in range(num_samples):
        out = occlusion(dict(keypoint=np.zeros((1, 1, 25, 3), np.float32),
                             sample_idx=idx, layout='nturgb+d'))
        label = idx % num_classes
        visible = watched not in out['occluded_joints']
        pred = label if visible else (label + 1) % num_classes
        outputs.append(
            dict(pred_score=np.eye(num_classes)[pred],
                 gt_label=np.array([label]),
                 occlusion=out['occlusion'],
                 sample_idx=idx,
                 visible=visible))
    return outputs


def test_metric_matches_survival_probability(tmp_path):
    num_samples, repeats = 600, 3
    levels = dict(joints=(0, 2, 4, 6, 8, 10), parts=(0, 1, 2, 3, 4))
    metric = PartialBodyMetric(out_dir=str(tmp_path))
    occlusion = PartialBodyOcclusion(seed=11)
    exact = {}
    for mode in ('zero', 'drop'):
        for kind, kind_levels in levels.items():
            # 'drop' only at two levels: it draws what 'zero' draws.
            for level in kind_levels if mode == 'zero' else kind_levels[:2]:
                hits = []
                for repeat in range(1 if level == 0 else repeats):
                    occlusion.set_setting(kind, level, mode, repeat)
                    outputs = _fake_outputs(occlusion, num_samples)
                    hits.append(np.mean([o['visible'] for o in outputs]))
                    metric.process(None, outputs[:300])
                    metric.process(None, outputs[300:])
                    metric.process(None, outputs[:7])  # padding repeats
                exact[(mode, kind, level)] = hits
    metrics = metric.evaluate(len(metric.results))

    assert len(metrics) == 2 * len(exact)
    for (mode, kind, level), hits in exact.items():
        name = f'partial_body/{mode}/{kind}_{level}'
        # the metric: top-1 per repeat, then mean and sample std
        assert metrics[f'{name}/top1'] == pytest.approx(np.mean(hits))
        std = np.std(hits, ddof=1) if len(hits) > 1 else 0.0
        assert metrics[f'{name}/top1_std'] == pytest.approx(std)
        # the draws: joint 3 survives k of 25 joints with 1 - k/25, its
        # part survives k of 5 parts with (5 - k)/5 (3 std of 1800 draws)
        expected = 1 - level / 25 if kind == 'joints' else (5 - level) / 5
        assert metrics[f'{name}/top1'] == pytest.approx(expected, abs=0.04)
    assert metrics['partial_body/zero/joints_0/top1'] == 1.0
    assert metrics['partial_body/zero/parts_4/top1'] == pytest.approx(
        0.2, abs=0.04)

    report = json.loads((tmp_path / 'partial_body.json').read_text())
    assert len(report['rows']) == len(exact)
    row = report['rows'][0]
    assert (row['mode'], row['kind'], row['level']) == ('zero', 'joints', 0)
    assert row['num_samples'] == num_samples and row['num_repeats'] == 1
    png = (tmp_path / 'partial_body.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n'


def test_tables_have_the_papers_shape():
    rows = summarize([
        dict(mode=mode, kind=kind, level=level, repeat=r, sample_idx=i,
             pred=int(i < correct), label=1)
        for mode, correct in (('zero', 3), ('drop', 2))
        for kind, level in (('joints', 0), ('joints', 4), ('parts', 2))
        for r in range(1 if level == 0 else 2) for i in range(4)
    ])
    text = format_tables(rows).splitlines()
    assert text[0].startswith('Joints shaded: top-1 (%)')
    assert text[1].split('|')[1:] == ['          0 ', '          4']
    assert text[3] == 'zero | 75.0 ± 0.0 | 75.0 ± 0.0'
    assert text[4] == 'drop | 50.0 ± 0.0 | 50.0 ± 0.0'
    assert text[6].startswith('Body parts shaded')
    assert text[9] == 'zero | 75.0 ± 0.0'


# ------------------------------------------------------------------ (c)


def _models():
    """A MaskedRecognizerGCN and a RecognizerGCN with the same weights."""
    backbone = dict(type='MaskableSTGCN', hidden_channels=8, out_channels=32)
    head = dict(num_classes=10, in_channels=32)
    masked = MODELS.build(
        dict(type='MaskedRecognizerGCN', backbone=backbone,
             cls_head=dict(type='MaskedGCNHead', **head)))
    plain = MODELS.build(
        dict(type='RecognizerGCN', backbone=backbone,
             cls_head=dict(type='GCNHead', **head)))
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for param in masked.parameters():
            param.copy_(torch.rand(param.shape, generator=gen) - 0.5)
    plain.load_state_dict(masked.state_dict())
    return masked.eval(), plain.eval()


def _batch(model, anns, *head):
    """Samples through ``head + [FormatGCNInput, PackActionInputs]``."""
    pipeline = Compose(list(head) + [
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs', meta_keys=META_KEYS,
             algorithm_keys=('joint_mask', ))
    ])
    samples = [
        pipeline(
            dict(ann, sample_idx=i, layout='nturgb+d',
                 keypoint=ann['keypoint'].astype(np.float32)))
        for i, ann in enumerate(anns)
    ]
    return model.data_preprocessor(pseudo_collate(samples), training=False)


def _scores(model, batch):
    with torch.no_grad():
        out = model(batch['inputs'], batch['data_samples'], mode='predict')
    return torch.stack([sample.pred_score for sample in out])


def test_masked_recognizer_zero_vs_drop():
    masked, plain = _models()
    anns = make_synthetic_annotations(1, seed=1, num_frames=20)[:4]

    # No mask: exactly RecognizerGCN.
    batch = _batch(masked, anns)
    assert 'joint_mask' not in batch['data_samples'][0]
    torch.testing.assert_close(
        _scores(masked, batch), _scores(plain, batch), rtol=0, atol=0)
    # An all-kept mask (level 0, drop) changes nothing either.
    level0 = dict(type='PartialBodyOcclusion', level=0, mode='drop', seed=0)
    torch.testing.assert_close(
        _scores(masked, _batch(masked, anns, level0)),
        _scores(plain, batch))

    drop = dict(type='PartialBodyOcclusion', level=6, mode='drop', seed=0)
    batch = _batch(masked, anns, drop)
    mask = torch.stack([
        torch.as_tensor(s.joint_mask) for s in batch['data_samples']
    ])
    assert mask.sum(1).tolist() == [6] * 4 and len({
        tuple(row.tolist()) for row in mask}) == 4
    dropped = _scores(masked, batch)
    # Drop: the coordinates of dropped joints do not matter ...
    noisy = batch['inputs'].clone()
    gen = torch.Generator().manual_seed(1)
    noise = torch.randn(noisy.shape, generator=gen) * 10
    keep = (~mask).view(4, 1, 1, 1, 25, 1).float()
    noisy = noisy * keep + noise * (1 - keep)
    torch.testing.assert_close(
        _scores(masked, dict(inputs=noisy,
                             data_samples=batch['data_samples'])), dropped)
    # ... and the head averages over kept joints only (MaskableSTGCN.pool).
    with torch.no_grad():
        features = masked.backbone(batch['inputs'][:, 0], mask)
        pooled = MaskableSTGCN.pool(features, mask)
        expected = masked.cls_head.fc(pooled).softmax(dim=1)
    torch.testing.assert_close(dropped, expected)

    # Zero: the same joints (same seed and sample), coordinates set to 0;
    # equals RecognizerGCN on the zeroed skeletons.
    zero = dict(type='PartialBodyOcclusion', level=6, mode='zero', seed=0)
    zbatch = _batch(masked, anns, zero)
    assert [s.metainfo['occluded_joints'] for s in zbatch['data_samples']
            ] == [s.metainfo['occluded_joints'] for s in batch['data_samples']]
    zeroed = batch['inputs'] * keep
    torch.testing.assert_close(zbatch['inputs'], zeroed)
    zero_scores = _scores(masked, zbatch)
    torch.testing.assert_close(
        zero_scores,
        _scores(plain, dict(inputs=zeroed,
                            data_samples=zbatch['data_samples'])),
        rtol=0,
        atol=0)
    assert (zero_scores - dropped).abs().max() > 1e-3  # the modes differ


def test_masked_recognizer_rejects_bad_masks():
    masked, _ = _models()
    anns = make_synthetic_annotations(1, seed=1, num_frames=20)[:2]
    batch = _batch(masked, anns)
    batch['data_samples'][0].set_field(np.zeros(24, bool), 'joint_mask')
    with pytest.raises(ValueError, match=r'sample 0 has shape \(24,\)'):
        _scores(masked, batch)
    # A head that would ignore the mask (GCNHead's plain mean) is refused.
    plain_head = MODELS.build(dict(type='MaskedRecognizerGCN',
                                   backbone=dict(type='MaskableSTGCN',
                                                 hidden_channels=8,
                                                 out_channels=32),
                                   cls_head=dict(type='GCNHead',
                                                 num_classes=10,
                                                 in_channels=32))).eval()
    batch['data_samples'][0].set_field(np.zeros(25, bool), 'joint_mask')
    with pytest.raises(ValueError, match='GCNHead takes no joint_mask'):
        _scores(plain_head, batch)


# ------------------------------------------------------------------ (d)


@pytest.fixture(scope='module')
def tiny_ann(tmp_path_factory):
    path = tmp_path_factory.mktemp('data') / 'tiny_partial.pkl'
    # 20 frames instead of 50: the same code path, 2.5x less compute.
    anns = make_synthetic_annotations(2, seed=0, num_frames=20)
    names = [a['frame_dir'] for a in anns]
    with open(path, 'wb') as f:
        pickle.dump(dict(split=dict(xsub_val=names), annotations=anns), f)
    return str(path)


def tiny_cfg(ann_file, work_dir, **overrides):
    """The partial-body config at test size."""
    cfg = Config.fromfile(str(CONFIG))
    cfg.merge_from_dict({
        'work_dir': str(work_dir),
        'model.backbone.hidden_channels': 8,
        'model.backbone.out_channels': 32,
        'model.cls_head.in_channels': 32,
        'model.cls_head.num_classes': 10,
        'test_cfg.repeats': 2,
        'test_cfg.joint_levels': (0, 4),
        'test_cfg.part_levels': (0, 2),
        'test_dataloader.batch_size': 8,
        'test_dataloader.num_workers': 0,
        'test_dataloader.dataset.ann_file': ann_file,
        'test_dataloader.dataset.num_classes': 10,
        **overrides,
    })
    return cfg


def test_config_is_the_papers_protocol():
    cfg = Config.fromfile(str(CONFIG))
    assert cfg.model.type == 'MaskedRecognizerGCN'
    assert cfg.test_cfg.type == 'PartialBodyTestLoop'
    assert tuple(cfg.test_cfg.joint_levels) == (0, 2, 4, 6, 8, 10)
    assert tuple(cfg.test_cfg.part_levels) == (0, 1, 2, 3, 4)
    assert cfg.test_cfg.repeats == 3
    assert cfg.test_dataloader.persistent_workers is False
    assert cfg.test_dataloader.dataset.split == 'xsub_val'
    assert cfg.test_dataloader.dataset.pipeline[0].type == \
        'PartialBodyOcclusion'
    assert 'work_dirs/linear_ntu60_xsub/epoch_150.pth' in CONFIG.read_text()


def test_runner_scores_every_setting(tiny_ann, tmp_path):
    runner = build_runner(tiny_cfg(tiny_ann, tmp_path))
    loop = runner.build_test_loop(runner._test_loop)
    assert [s for s in loop.settings() if s[0] == 'zero'] == [
        ('zero', 'joints', 0, 0), ('zero', 'joints', 4, 0),
        ('zero', 'joints', 4, 1), ('zero', 'parts', 0, 0),
        ('zero', 'parts', 2, 0), ('zero', 'parts', 2, 1)
    ]
    runner._test_loop = loop
    metrics = runner.test()
    names = {
        f'partial_body/{mode}/{kind}_{level}/{stat}'
        for mode in ('zero', 'drop')
        for kind, level in (('joints', 0), ('joints', 4), ('parts', 0),
                            ('parts', 2)) for stat in ('top1', 'top1_std')
    }
    assert set(metrics) == names
    assert all(0.0 <= value <= 1.0 for value in metrics.values())
    # Level 0 hides nothing: 'zero' and 'drop' agree on it.
    assert metrics['partial_body/zero/joints_0/top1'] == pytest.approx(
        metrics['partial_body/drop/joints_0/top1'])
    report = json.loads(
        open(osp.join(runner.log_dir, 'partial_body.json')).read())
    counts = {(r['mode'], r['kind'], r['level']):
              (r['num_repeats'], r['num_samples'])
              for r in report['rows']}
    assert counts[('drop', 'parts', 2)] == (2, 20)
    assert counts[('zero', 'joints', 0)] == (1, 20)
    assert osp.getsize(osp.join(runner.log_dir, 'partial_body.png')) > 1000
    # The loop restored the pipeline's own setting.
    assert loop.occlusions[0].setting == dict(
        kind='joints', level=0, mode='zero', repeat=0)


def test_loop_checks_its_inputs(tiny_ann, tmp_path):
    cfg = tiny_cfg(tiny_ann, tmp_path / 'a')
    cfg.test_dataloader.dataset.pipeline = cfg.test_dataloader.dataset.\
        pipeline[1:]
    with pytest.raises(ValueError, match='no PartialBodyOcclusion'):
        build_runner(cfg).test()
    cfg = tiny_cfg(tiny_ann, tmp_path / 'b', **{'test_cfg.part_levels': (5, )})
    with pytest.raises(ValueError, match='would remove every joint'):
        build_runner(cfg).test()
    cfg = tiny_cfg(tiny_ann, tmp_path / 'c', **{
        'test_dataloader.num_workers': 1,
        'test_dataloader.persistent_workers': True
    })
    with pytest.raises(ValueError, match='persistent_workers=False'):
        build_runner(cfg).test()


def test_new_workers_see_the_new_setting(tiny_ann, tmp_path):
    from mmaction.registry import DATASETS
    from torch.utils.data import DataLoader

    from pstl_mm.engine.partial_body_loop import find_occlusions
    cfg = tiny_cfg(tiny_ann, tmp_path)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    (occlusion, ) = find_occlusions(dataset)
    loader = DataLoader(dataset, batch_size=10, num_workers=1,
                        persistent_workers=False, collate_fn=pseudo_collate)
    for kind, level, mode in (('joints', 4, 'drop'), ('parts', 2, 'zero')):
        occlusion.set_setting(kind, level, mode, repeat=1)
        samples = [s for batch in loader for s in batch['data_samples']]
        assert len(samples) == 20
        assert all(s.metainfo['occlusion'] == dict(
            kind=kind, level=level, mode=mode, repeat=1) for s in samples)
        assert ('joint_mask' in samples[0]) == (mode == 'drop')
