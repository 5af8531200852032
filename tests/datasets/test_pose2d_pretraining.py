"""PSTL pretraining on MMAction2's 2-D skeleton pickles (coco, pixels with
scores): configs/pstl/pstl_coco2d_ntu60_xsub.py, (x, y, score), and
pstl_coco2d_ntu60_xsub_noscore.py, (x, y), run by MMEngine's runner on a
small pickle of clips of varying lengths."""
import math
import pickle

import numpy as np
import pytest
from mmaction.registry import DATASETS
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope

from pstl_mm.skeleton import get_layout

from tests.conftest import CONFIG_DIR, build_runner, write_pose2d_annotations

#: Encoder input channels -> config.
CONFIGS = {
    3: CONFIG_DIR / 'pstl_coco2d_ntu60_xsub.py',
    2: CONFIG_DIR / 'pstl_coco2d_ntu60_xsub_noscore.py',
}
#: 8 clips, one batch of 8 per epoch. A Barlow Twins loss of 4 samples
#: swings between about 10 and 300 from one batch of views to the next, so
#: a trend over a few iterations needs batches of 8 (and lr 1e-2).
BATCH = 8
ITERATIONS = 10
COCO = get_layout('coco')

pytestmark = pytest.mark.usefixtures('keep_global_rngs')


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


@pytest.fixture(scope='module')
def pose2d_pkl(tmp_path_factory):
    """8 clips of 37 to 120 frames, one or two persons, two image sizes."""
    return write_pose2d_annotations(
        tmp_path_factory.mktemp('data') / 'ntu60_2d.pkl', 8, seed=0)


def test_configs_name_the_2d_data_and_encoder():
    for channels, path in CONFIGS.items():
        cfg = Config.fromfile(str(path))
        backbone = cfg.model.backbone
        assert (backbone.type, backbone.layout, backbone.in_channels) == (
            'MaskableSTGCN', 'coco', channels)
        dataset = cfg.train_dataloader.dataset
        assert dataset.ann_file == 'data/skeleton/ntu60_2d.pkl'
        assert (dataset.layout, dataset.in_channels, dataset.split) == (
            'coco', 2, 'xsub_train')
        types = [t['type'] for t in dataset.pipeline]
        decode = ['PreNormalize2D'] + ['GenSkeFeat'] * (channels == 3) + [
            'PSTLUniformSampleFrames', 'PoseDecode']
        assert types == decode + ['MultiView', 'PackViews']
        views = dataset.pipeline[-2]['views']
        # CSM: the layout's 6 of 17 joints; MATM: 10 + 10 of 50 frames.
        assert views['spatial'][-1] == dict(type='CentralSpatialMasking')
        assert views['temporal'][-1] == dict(
            type='MotionAttentionTemporalMasking', num_attention=10,
            num_random=10)
    assert COCO.num_masked == 6


def pretrain(config, ann_file, work_dir):
    """Pretrain ``config`` for :data:`ITERATIONS` at test size, with the
    config's seed (1).

    Returns:
        tuple: The runner, and every batch the model's data preprocessor
        took and gave, ``(data, batch)``.
    """
    cfg = Config.fromfile(str(config))
    cfg.merge_from_dict({
        'work_dir': str(work_dir),
        'model.backbone.hidden_channels': 4,
        'model.backbone.out_channels': 16,
        'model.neck.in_channels': 16,
        'model.neck.hidden_channels': 64,
        'model.neck.out_channels': 64,
        'optim_wrapper.optimizer.lr': 1e-2,
        'train_dataloader.batch_size': BATCH,
        'train_dataloader.num_workers': 0,
        'train_dataloader.dataset.ann_file': ann_file,
        'default_hooks.logger.interval': 1,
        'default_hooks.checkpoint.interval': 100,
        'param_scheduler': [],
        'train_cfg.max_epochs': ITERATIONS * BATCH // 8,
    })
    # The sampled frames and the clip's name, for the checks.
    cfg.train_dataloader.dataset.pipeline[-1] = dict(
        type='PackViews', meta_keys=('frame_dir', 'frame_inds'))
    MessageHub._instance_dict.clear()
    runner = build_runner(cfg)
    preprocessor = runner.model.data_preprocessor
    forward, seen = preprocessor.forward, []

    def recording(data, training=False):
        batch = forward(data, training)
        seen.append((data, batch))
        return batch

    preprocessor.forward = recording
    runner.train()
    return runner, seen


def keypoint_of(view):
    """The (N, M, T, V, C) keypoints of a batched view."""
    return view['keypoint'] if isinstance(view, dict) else view


def check_scores(keypoint, scores, frame_inds):
    """Every (person, frame) row of the score channel of a view is the
    score row of one of the sampled frames, its joints flipped or not."""
    sampled = scores[:, frame_inds]  # (M, 50, V)
    rows = np.concatenate([sampled, sampled[..., list(COCO.flip_order)]],
                          axis=1)
    for m in range(keypoint.shape[0]):
        found = (keypoint[m, :, None, :, 2] == rows[m][None]).all(-1)
        assert found.any(-1).all(), (m, np.flatnonzero(~found.any(-1)))


@pytest.mark.parametrize('channels', sorted(CONFIGS))
def test_pretraining_on_a_2d_pickle(channels, pose2d_pkl, tmp_path):
    with open(pose2d_pkl, 'rb') as f:
        anns = {a['frame_dir']: a for a in pickle.load(f)['annotations']}
    runner, seen = pretrain(CONFIGS[channels], pose2d_pkl, tmp_path)
    assert len(seen) == ITERATIONS
    # What the views are made of: normalized coordinates, the scores of the
    # sampled frames as the third channel, a padded person zero.
    cfg = runner.cfg.train_dataloader.dataset
    decoded = DATASETS.build(dict(cfg, pipeline=cfg.pipeline[:-2]))
    for i in range(len(decoded)):
        sample = decoded[i]
        ann, inds = anns[sample['frame_dir']], sample['frame_inds']
        keypoint, persons = sample['keypoint'], len(ann['keypoint'])
        assert keypoint.shape == (2, 50, 17, channels)
        assert np.abs(keypoint[..., :2]).max() <= 1
        h, w = ann['img_shape']
        np.testing.assert_allclose(
            keypoint[:persons, ..., :2],
            (ann['keypoint'][:, inds] - [w / 2, h / 2]) / [w / 2, h / 2],
            atol=1e-6)
        assert not keypoint[persons:].any()
        if channels == 3:
            np.testing.assert_array_equal(keypoint[:persons, ..., 2],
                                          ann['keypoint_score'][:, inds])
    # A (beta = 1) shear at most doubles |x| and |y| (<= 1 once
    # normalized); rotation and flip keep lengths in the plane.
    bound = 2 * math.sqrt(2) + 1e-5
    for data, batch in seen:
        views = batch['inputs']
        assert sorted(views) == ['anchor', 'spatial', 'temporal']
        shapes = {name: tuple(keypoint_of(view).shape)
                  for name, view in views.items()}
        assert shapes == dict(anchor=(BATCH, 2, 50, 17, channels),
                              spatial=(BATCH, 2, 50, 17, channels),
                              temporal=(BATCH, 2, 30, 17, channels))
        # CSM removes exactly 6 of the 17 coco joints of every sample.
        mask = views['spatial']['joint_mask']
        assert mask.shape == (BATCH, 17)
        assert mask.sum(1).tolist() == [6] * BATCH
        for name, view in views.items():
            keypoint = keypoint_of(view).numpy()
            radius = np.linalg.norm(keypoint[..., :2], axis=-1)
            assert 0.1 < radius.max() <= bound, name
        for i, sample in enumerate(data['data_samples']):
            ann = anns[sample.metainfo['frame_dir']]
            frame_inds = sample.metainfo['frame_inds']
            assert frame_inds.max() < ann['total_frames']
            # A padded person stays zero through shear, rotation and flip.
            for view in views.values():
                assert not keypoint_of(view)[i, len(ann['keypoint']):].any()
            if channels == 2:
                continue
            scores = np.zeros((2, ann['total_frames'], 17), np.float32)
            scores[:len(ann['keypoint_score'])] = ann['keypoint_score']
            for name, view in views.items():
                check_scores(keypoint_of(view)[i].numpy(), scores,
                             frame_inds)
    losses = np.asarray(
        runner.message_hub.get_scalar('train/loss').data[0], dtype=float)
    assert len(losses) == ITERATIONS and np.isfinite(losses).all()
    assert losses[-3:].mean() < losses[:3].mean(), losses
