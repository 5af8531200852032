"""AimCLRPreprocess (transforms/aimclr_preprocess.py) and the AimCLR steps
(datasets/aimclr.py) against a restatement of AimCLR's
``NTUMotionProcessor`` written from its code; the length the pretraining
views expect (MultiView); the MMAction2-pickle pretraining config."""
import pickle

import cv2
import numpy as np
import pytest
from mmaction.registry import DATASETS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from pstl_mm.datasets import SkeletonDataError
from pstl_mm.datasets.aimclr import aimclr_length, aimclr_position
from pstl_mm.datasets.transforms import AimCLRPreprocess
from pstl_mm.skeleton import CLIP_LENGTH

from tests.conftest import CONFIG_DIR, build, make_sample


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


def aimclr_processor(raw, t_length=50):
    """``NTUMotionProcessor.__getitem__``'s position, as its code reads.

    Args:
        raw (np.ndarray): (C, 300, V, M) float32, a gendata row.

    Returns:
        np.ndarray: (C, t_length, V, M) float32.
    """
    data = np.array(raw)
    length = (abs(data[:, :, 0, 0]).sum(axis=0) != 0).sum()
    c, t, v, m = data.shape
    data = data - data[:, :, 20, :].reshape([c, t, 1, m])
    resized = np.zeros([c, t_length, v, m])
    for i in range(m):
        tmp = cv2.resize(data[:, :length, :, i].transpose([1, 2, 0]),
                         (v, t_length), interpolation=cv2.INTER_LINEAR)
        resized[:, :, :, i] = tmp.transpose([2, 0, 1])
    data = resized.astype(np.float32)
    for n in range(2):
        ins = data[:, :, :, n]
        vec = ins[:, :, 8] - ins[:, :, 4]
        vec[1, :] = 0
        l2_norm = np.sqrt(np.sum(np.square(vec), axis=0))
        thetas = np.arccos(vec[0, :] / (l2_norm + 0.0001)) * (180 / np.pi)
        if np.sum(vec[2, :]) >= 0:
            thetas = -thetas
        frames = ins.transpose(1, 2, 0)  # (T, V, C)
        new = np.zeros((t_length, v, 3))
        for ind, theta in enumerate(thetas * np.pi / 180):
            tm = np.zeros((3, 3))
            tm[0, 0], tm[0, 2] = np.cos(theta), -np.sin(theta)
            tm[1, 1] = 1
            tm[2, 0], tm[2, 2] = np.sin(theta), np.cos(theta)
            new[ind] = np.dot(tm, frames[ind].T).T
        data[:, :, :, n] = new.transpose(2, 0, 1)
    return data


def raw_clip(seed, frames, gap=(), second=None):
    """A (2, frames, 25, 3) float32 clip: a walking body turning about y,
    zero in the ``gap`` frames; a second body in the frames ``second``."""
    rng = np.random.default_rng(seed)
    pose = rng.normal(scale=0.3, size=(25, 3))
    pose[4], pose[8] = [-0.2, 0.3, 0.0], [0.2, 0.3, 0.05]
    angle = np.linspace(-1.2, 1.4, frames)  # shoulders swing through +-z
    rot = np.zeros((frames, 3, 3))
    rot[:, 0, 0], rot[:, 0, 2] = np.cos(angle), np.sin(angle)
    rot[:, 1, 1] = 1
    rot[:, 2, 0], rot[:, 2, 2] = -np.sin(angle), np.cos(angle)
    clip = np.zeros((2, frames, 25, 3))
    clip[0] = np.einsum('tij,vj->tvi', rot, pose) + [0.1, 0.2, 3.0]
    clip[0] += rng.normal(scale=0.01, size=(frames, 25, 3))
    if second is not None:
        clip[1, second] = pose[::-1] + [0.8, 0.1, 3.4]
    clip[:, list(gap)] = 0
    return clip.astype(np.float32)


@pytest.mark.parametrize('frames, gap, second', [
    (7, (), None),              # upsampled
    (50, (10, 11, 12), range(0, 30)),
    (123, range(60, 80), range(40, 123)),  # interior gap, downsampled
    (300, (0, 1), range(300)),  # zero first frames still count elsewhere
])
def test_aimclr_position_equals_the_processor(frames, gap, second):
    clip = raw_clip(frames, frames, gap, second)
    row = np.zeros((3, 300, 25, 2), np.float32)
    row[:, :frames] = clip.transpose(3, 1, 2, 0)
    expected = aimclr_processor(row).transpose(3, 1, 2, 0)
    position, length = aimclr_position(clip)
    assert length == frames - len(gap)
    assert position.shape == (2, 50, 25, 3) and position.dtype == np.float32
    assert np.abs(position - expected).max() < 1e-5
    # the transform gives the same
    out = AimCLRPreprocess()(dict(keypoint=clip, frame_dir='clip'))
    np.testing.assert_array_equal(out['keypoint'], position)
    assert out['original_frames'] == length and out['total_frames'] == 50


def test_length_counts_joint_0_of_body_0_anywhere():
    clip = raw_clip(0, 20, gap=(3, 4, 19))
    assert aimclr_length(clip) == 17
    clip[0, 5, 0] = 0  # only joint 0 of body 0 vanishes in frame 5
    clip[1, 6] = 1.0   # body 1 alone does not count
    clip[0, 6] = 0
    assert aimclr_length(clip) == 15


def test_transform_persons_errors_and_registry():
    clip = raw_clip(1, 40, second=range(40))
    one = AimCLRPreprocess()(dict(keypoint=clip[:1].copy(), frame_dir='a'))
    two = aimclr_position(np.stack([clip[0], np.zeros_like(clip[0])]))[0]
    np.testing.assert_array_equal(one['keypoint'], two)
    assert not one['keypoint'][1].any()
    three = np.concatenate([clip, clip[:1] + 1])
    out = AimCLRPreprocess(num_frames=20)(dict(keypoint=three,
                                               frame_dir='b'))
    np.testing.assert_array_equal(out['keypoint'],
                                  aimclr_position(clip, 20)[0])
    with pytest.raises(ValueError, match="sample 'c': keypoint must be "
                       r'\(M, T, 25, 3\), got \(2, 40, 20, 3\)'):
        AimCLRPreprocess()(dict(keypoint=clip[:, :, :20], frame_dir='c'))
    empty = clip.copy()
    empty[0, :, 0] = 0
    with pytest.raises(ValueError, match="sample 'd': joint 0 of body 0 is "
                       'zero in every frame'):
        AimCLRPreprocess()(dict(keypoint=empty, frame_dir='d'))
    transform = build(dict(type='AimCLRPreprocess', num_frames=30))
    assert repr(transform) == 'AimCLRPreprocess(num_frames=30, num_person=2)'
    with pytest.raises(ValueError, match='num_frames and num_person'):
        AimCLRPreprocess(num_frames=0)


# The length the pretraining views expect -----------------------------------


def mmaction_pickle(path, lengths):
    """An ``ntu60_3d.pkl``-style pickle: raw clips of these lengths."""
    annotations = [
        dict(frame_dir=f'S001C001P001R001A{i + 1:03d}', label=i,
             total_frames=t, keypoint=raw_clip(i, t)[:1])
        for i, t in enumerate(lengths)
    ]
    path.write_bytes(pickle.dumps(dict(
        split=dict(xsub_train=[a['frame_dir'] for a in annotations]),
        annotations=annotations)))
    return str(path)


def pretraining_dataset(config, ann_file):
    cfg = Config.fromfile(str(CONFIG_DIR / config))
    data_cfg = cfg.train_dataloader.dataset
    data_cfg.ann_file = ann_file
    return DATASETS.build(data_cfg)


def test_multiview_refuses_a_clip_of_another_length():
    views = dict(anchor=[dict(type='SkeletonShear', seed=0)],
                 temporal=[dict(type='MotionAttentionTemporalMasking',
                                seed=0)])
    multiview = build(dict(type='MultiView', views=views))
    assert multiview.num_frames == 50
    out = multiview(make_sample(t=50))
    assert out['views']['temporal']['keypoint'].shape == (2, 30, 25, 3)
    with pytest.raises(ValueError, match="MultiView on sample 'long': 103 "
                       'frames, the views expect 50'):
        multiview(make_sample(t=103, name='long'))
    anything = build(dict(type='MultiView', views=views, num_frames=None))
    long = anything(make_sample(t=103))['views']['temporal']['keypoint']
    assert long.shape == (2, 83, 25, 3)
    assert 'num_frames=None' in repr(anything)


def test_pretraining_config_refuses_a_raw_clip(tmp_path):
    ann_file = mmaction_pickle(tmp_path / 'ntu60_3d.pkl', [50, 103])
    dataset = pretraining_dataset('pstl_ntu60_xsub.py', ann_file)
    temporal = dataset[0]['inputs']['temporal']['keypoint']
    assert temporal.shape == (2, 30, 25, 3)
    with pytest.raises(SkeletonDataError) as info:
        dataset[1]
    assert str(info.value).startswith(
        f"{ann_file}, sample 1 ('S001C001P001R001A002'): MultiView on sample "
        "'S001C001P001R001A002': 103 frames, the views expect 50")


def test_mmaction_config_preprocesses_raw_clips(tmp_path):
    cfg = Config.fromfile(str(CONFIG_DIR / 'pstl_ntu60_xsub_mmaction.py'))
    base = Config.fromfile(str(CONFIG_DIR / 'pstl_ntu60_xsub.py'))
    data_cfg, base_cfg = cfg.train_dataloader.dataset, \
        base.train_dataloader.dataset
    assert data_cfg.ann_file == 'data/skeleton/ntu60_3d.pkl'
    assert data_cfg.pipeline[0] == dict(type='AimCLRPreprocess')
    assert build(data_cfg.pipeline[0]).num_frames == CLIP_LENGTH == 50
    assert data_cfg.pipeline[1:] == base_cfg.pipeline
    for key in set(data_cfg) - {'ann_file', 'pipeline', 'missing_hint'}:
        assert data_cfg[key] == base_cfg[key], key
    assert cfg.model == base.model and cfg.optim_wrapper == base.optim_wrapper
    ann_file = mmaction_pickle(tmp_path / 'ntu60_3d.pkl', [37, 103, 250])
    dataset = pretraining_dataset('pstl_ntu60_xsub_mmaction.py', ann_file)
    for i in range(3):
        inputs = dataset[i]['inputs']
        assert inputs['anchor']['keypoint'].shape == (2, 50, 25, 3)
        assert inputs['spatial']['keypoint'].shape == (2, 50, 25, 3)
        assert inputs['temporal']['keypoint'].shape == (2, 30, 25, 3)
    with pytest.raises(FileNotFoundError, match='ntu60_3d.pkl as MMAction2'):
        pretraining_dataset('pstl_ntu60_xsub_mmaction.py',
                            str(tmp_path / 'nope.pkl'))
