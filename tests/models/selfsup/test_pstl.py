"""PSTL pretraining end to end: configs, schedule, training, resuming."""
import glob
import math
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope

from tests.conftest import (CONFIG_DIR, build_runner, tiny_cfg,
                            write_annotations, write_pose2d_annotations)

PRETRAIN_CONFIGS = sorted(
    glob.glob(str(CONFIG_DIR / 'pstl_*.py')) +
    glob.glob(str(CONFIG_DIR / 'skeletonbt_*.py')) +
    glob.glob(str(CONFIG_DIR / 'ablation' / 'ablation_*.py')))


@pytest.fixture(scope='module')
def fixture_pkl(tmp_path_factory):
    """A tiny annotation file in the converters' format (T=50, M=2)."""
    return write_annotations(
        tmp_path_factory.mktemp('data') / 'tiny_pstl.pkl', 4, 3)


@pytest.fixture(scope='module')
def kinect_pkl(tmp_path_factory):
    """The same on the Kinect v1 layout (NW-UCLA), one person."""
    return write_annotations(
        tmp_path_factory.mktemp('data') / 'tiny_kinect.pkl', 4, 3,
        'kinect_v1')


@pytest.fixture(scope='module')
def coco2d_pkl(tmp_path_factory):
    """MMAction2-style 2-D clips (coco, pixels and scores, any length)."""
    return write_pose2d_annotations(
        tmp_path_factory.mktemp('data') / 'tiny_coco2d.pkl', 8)


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


def loss_history(runner):
    return np.asarray(
        runner.message_hub.get_scalar('train/loss').data[0], dtype=float)


@pytest.mark.parametrize('config', PRETRAIN_CONFIGS,
                         ids=[osp.basename(c) for c in PRETRAIN_CONFIGS])
def test_every_pretraining_config_computes_its_losses(config, fixture_pkl,
                                                      kinect_pkl, coco2d_pkl,
                                                      tmp_path):
    from mmaction.registry import DATASETS, MODELS
    from mmengine.dataset import pseudo_collate
    layout = Config.fromfile(config).model.backbone.layout
    ann_file = dict(kinect_v1=kinect_pkl, coco=coco2d_pkl).get(
        layout, fixture_pkl)
    cfg = tiny_cfg(config, ann_file, tmp_path)
    assert cfg.train_dataloader.dataset.layout == layout
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    model = MODELS.build(cfg.model)
    batch = model.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(6)]), training=True)
    losses = model(**batch, mode='loss')
    # Pairs default to the anchor against every other view of the pipeline.
    one_pair = dict(skeletonbt='loss_bt', ablation_csm_ntu60='loss_spatial',
                    ablation_csm_nw_ucla='loss_spatial',
                    ablation_matm='loss_temporal')
    name = osp.basename(config)
    expected = [loss for prefix, loss in one_pair.items()
                if name.startswith(prefix)] or ['loss_spatial',
                                                'loss_temporal']
    assert sorted(losses) == expected
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    stream = cfg.train_dataloader.dataset.get('stream', 'joint')
    assert config.endswith(f'_{stream}.py') or stream == 'joint'


def test_runner_trains_two_iterations(fixture_pkl, tmp_path):
    cfg = tiny_cfg(
        str(CONFIG_DIR / 'pstl_ntu60_xsub_bone.py'), fixture_pkl, tmp_path,
        **{
            'train_cfg.max_epochs': 1,
            'train_dataloader.batch_size': 20,
        })
    runner = build_runner(cfg)
    runner.train()
    losses = loss_history(runner)
    assert len(losses) == 2 and np.isfinite(losses).all()
    for name in ('spatial', 'temporal'):
        assert f'train/loss_{name}' in runner.message_hub.log_scalars
    assert osp.isfile(osp.join(cfg.work_dir, 'epoch_1.pth'))


def test_paper_schedule_and_widths():
    cfg = Config.fromfile(str(CONFIG_DIR / 'pstl_ntu60_xsub.py'))
    # The paper's Adam; fused is torch's one-kernel implementation of it.
    assert cfg.optim_wrapper.optimizer == dict(
        type='Adam', lr=5e-3, weight_decay=1e-5, fused=True)
    assert cfg.train_dataloader.batch_size == 128
    assert cfg.train_cfg.max_epochs == 150
    assert cfg.model.neck.hidden_channels == 6144
    assert cfg.model.head.lambd == 2e-4
    assert cfg.randomness.seed == 1
    model = torch.nn.Linear(1, 1)
    optim = torch.optim.Adam(model.parameters(), lr=5e-3)
    from mmengine.optim import OptimWrapper
    from mmengine.registry import PARAM_SCHEDULERS
    wrapper = OptimWrapper(optim)
    schedulers = [
        PARAM_SCHEDULERS.build(dict(s, optimizer=wrapper))
        for s in cfg.param_scheduler
    ]
    lrs = []
    for epoch in range(150):
        lrs.append(optim.param_groups[0]['lr'])
        for s in schedulers:
            s.step()
    expected = [
        5e-3 * e / 10 if e < 10 else 5e-3 *
        (1 + math.cos(math.pi * (e - 10) / 140)) / 2 for e in range(150)
    ]
    np.testing.assert_allclose(lrs, expected, rtol=1e-6, atol=1e-10)


def test_training_lowers_the_loss(fixture_pkl, tmp_path):
    cfg = tiny_cfg(
        str(CONFIG_DIR / 'pstl_ntu60_xsub.py'), fixture_pkl, tmp_path, **{
            'train_cfg.max_epochs': 4,
            'optim_wrapper.optimizer.lr': 5e-3,
        })
    runner = build_runner(cfg)
    runner.train()
    losses = loss_history(runner)
    assert len(losses) == 20
    assert losses[-4:].mean() < 0.8 * losses[:4].mean()


def _demo_run(ann_file, work_dir, **overrides):
    """The demo pretraining config at test size (dropout left at 0.5)."""
    cfg = tiny_cfg(
        str(CONFIG_DIR / 'demo' / 'demo_pstl_synthetic.py'), ann_file,
        work_dir,
        **{'model.backbone.num_person': 2,
           'train_dataloader.dataset.num_person': 2,
           'default_hooks.checkpoint.max_keep_ckpts': 3, **overrides})
    assert cfg.model.backbone.dropout == 0.5
    MessageHub._instance_dict.clear()
    return cfg


def test_resume_continues_exactly_with_dropout(fixture_pkl, tmp_path):
    full = build_runner(_demo_run(fixture_pkl, tmp_path / 'full'))
    full.train()
    straight = loss_history(full)[-5:]  # epoch 2
    checkpoint = torch.load(tmp_path / 'full' / 'epoch_1.pth',
                            weights_only=False)
    assert set(checkpoint['random_states'][0]) >= {'python', 'numpy', 'torch'}

    def resumed(work_dir, **overrides):
        cfg = _demo_run(fixture_pkl, work_dir, **overrides)
        cfg.resume = True
        cfg.load_from = str(tmp_path / 'full' / 'epoch_1.pth')
        runner = build_runner(cfg)
        runner.train()
        assert runner.epoch == 2
        return loss_history(runner)[-5:]

    # Different global states before resuming change nothing.
    torch.manual_seed(1234)
    np.random.seed(1234)
    np.testing.assert_array_equal(resumed(tmp_path / 'again'), straight)
    # Without the saved states, dropout draws other masks.
    other = resumed(tmp_path / 'other', custom_hooks=[])
    assert np.abs(other - straight).max() > 1e-6


def test_missing_data_names_the_converter(tmp_path):
    cfg = Config.fromfile(str(CONFIG_DIR / 'pstl_ntu60_xsub.py'))
    cfg.train_dataloader.dataset.ann_file = str(tmp_path / 'absent.pkl')
    from mmaction.registry import DATASETS
    with pytest.raises(FileNotFoundError,
                       match='tools/data/convert.py ntu60 --src'):
        DATASETS.build(cfg.train_dataloader.dataset)


def test_views_are_keyed_by_sample_and_epoch(fixture_pkl):
    from mmaction.registry import DATASETS
    cfg = Config.fromfile(str(CONFIG_DIR / 'pstl_ntu60_xsub.py'))
    cfg.train_dataloader.dataset.ann_file = fixture_pkl
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 3)
    first = DATASETS.build(cfg.train_dataloader.dataset)
    second = DATASETS.build(cfg.train_dataloader.dataset)
    a = first[5]['inputs']
    first[2]  # other samples drawn in between change nothing
    b = second[5]['inputs']
    for name, view in a.items():
        assert list(view) == list(b[name]), name
        for key in view:
            assert torch.equal(view[key], b[name][key]), (name, key)
    assert a['temporal']['keypoint'].shape == (2, 30, 25, 3)
    assert a['spatial']['joint_mask'].sum() == 9
    assert not torch.equal(a['anchor']['keypoint'], a['spatial']['keypoint'])
    hub.update_info('epoch', 4)
    c = second[5]['inputs']
    assert not torch.equal(a['anchor']['keypoint'], c['anchor']['keypoint'])
    hub.update_info('epoch', 0)
