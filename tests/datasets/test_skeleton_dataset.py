"""PSTLSkeletonDataset: safe loading, validation, persons, streams."""
import os
import pickle

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from pstl_mm.datasets import PSTLSkeletonDataset, SkeletonDataError
from pstl_mm.datasets.safe_pickle import UnsafePickleError, safe_load
from pstl_mm.datasets.synthetic import make_synthetic_annotations

from tests.conftest import CONFIG_DIR, make_pose2d_annotations


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


def write(tmp_path, anns, split=None, name='ann.pkl'):
    path = tmp_path / name
    data = dict(annotations=anns)
    if split is not None:
        data['split'] = split
    path.write_bytes(pickle.dumps(data))
    return str(path)


def good(n=2, num_person=2):
    return make_synthetic_annotations(n, seed=0, num_person=num_person)


class _CreatesAFile:
    """Its unpickling would create a file (a stand-in for running code)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


def test_malicious_pickle_is_refused_and_runs_nothing(tmp_path):
    target = tmp_path / 'pwned.txt'
    path = tmp_path / 'evil.pkl'
    path.write_bytes(pickle.dumps(dict(annotations=[_CreatesAFile(
        str(target))])))
    with pytest.raises(UnsafePickleError) as err:
        safe_load(str(path))
    assert str(path) in str(err.value)
    assert 'io.open' in str(err.value) or 'builtins.open' in str(err.value)
    assert not target.exists()
    with pytest.raises(UnsafePickleError):
        PSTLSkeletonDataset(str(path), pipeline=[])
    assert not target.exists()


def test_numpy_data_loads_through_every_protocol(tmp_path):
    anns = good(1)
    for protocol in (2, 4, 5):
        path = tmp_path / f'p{protocol}.pkl'
        path.write_bytes(
            pickle.dumps(dict(annotations=anns), protocol=protocol))
        loaded = safe_load(str(path))['annotations']
        assert np.array_equal(loaded[3]['keypoint'], anns[3]['keypoint'])


def test_split_selection_and_sample_dict(tmp_path):
    anns = good(2, num_person=1)
    names = [a['frame_dir'] for a in anns]
    path = write(tmp_path, anns, dict(train=names[:15], test=names[15:]))
    dataset = PSTLSkeletonDataset(path, pipeline=[], split='test',
                                  num_classes=10)
    assert len(dataset) == 5
    info = dataset.get_data_info(0)
    assert info['frame_dir'] == names[15]
    assert info['keypoint'].shape == (2, 50, 25, 3)  # padded to 2 persons
    assert info['keypoint'].dtype == np.float32
    assert not info['keypoint'][1].any()
    assert info['label'] == anns[15]['label']


@pytest.mark.parametrize('corrupt,message', [
    (lambda a: a[3].update(keypoint=np.zeros((2, 50, 20, 3), np.float32)),
     r"sample 3 \('synthetic_kick_left_0000'\): keypoint has shape "
     r"\(2, 50, 20, 3\), expected \(M, T, 25, 3\) for layout 'nturgb\+d'"),
    (lambda a: a[2]['keypoint'].__setitem__((0, 7, 4, 1), np.nan),
     r'sample 2 .*NaN/inf \(first at person, frame, joint, coord = '
     r'\[0, 7, 4, 1\]\)'),
    (lambda a: a[5].update(label=60), r'sample 5 .*label 60 out of range'),
    (lambda a: a[4].update(frame_dir=a[1]['frame_dir']),
     r'sample 4 .*duplicate sample name \(also sample 1\)'),
    (lambda a: a[0].update(keypoint=np.zeros((2, 0, 25, 3), np.float32)),
     r'sample 0 .*no persons or frames'),
])
def test_bad_samples_are_named(tmp_path, corrupt, message):
    anns = good(1)
    corrupt(anns)
    path = write(tmp_path, anns)
    with pytest.raises(SkeletonDataError, match=message) as err:
        PSTLSkeletonDataset(path, pipeline=[], num_classes=60)
    assert path in str(err.value)


def test_missing_split_and_file(tmp_path):
    path = write(tmp_path, good(1), dict(train=[]))
    with pytest.raises(SkeletonDataError,
                       match=r"no split 'xsub_val' \(splits in the file: "
                       r"\['train'\]\)"):
        PSTLSkeletonDataset(path, pipeline=[], split='xsub_val')
    with pytest.raises(FileNotFoundError, match='run the converter'):
        PSTLSkeletonDataset(
            str(tmp_path / 'nope.pkl'), pipeline=[],
            missing_hint='run the converter')


def test_bone_and_motion_streams(tmp_path):
    anns = good(1)
    path = write(tmp_path, anns)
    joint = PSTLSkeletonDataset(path, pipeline=[])[3]['keypoint']
    bone = PSTLSkeletonDataset(path, pipeline=[], stream='bone')[3]
    motion = PSTLSkeletonDataset(path, pipeline=[], stream='motion')[3]
    # bone of the left hand tip (joint 22) is its offset from joint 23
    np.testing.assert_allclose(bone['keypoint'][:, :, 21],
                               joint[:, :, 21] - joint[:, :, 22], atol=1e-6)
    assert not bone['keypoint'][:, :, 20].any()  # the root's bone is zero
    np.testing.assert_allclose(motion['keypoint'][:, :-1],
                               np.diff(joint, axis=1), atol=1e-6)
    assert not motion['keypoint'][:, -1].any()
    with pytest.raises(ValueError, match="unknown stream 'angle'"):
        PSTLSkeletonDataset(path, pipeline=[], stream='angle')


def test_kinect_v1_bone_uses_the_layout_table(tmp_path):
    rng = np.random.default_rng(0)
    kp = rng.normal(size=(1, 10, 20, 3)).astype(np.float32)
    path = write(tmp_path, [dict(frame_dir='a', label=0, keypoint=kp)])
    ds = PSTLSkeletonDataset(path, pipeline=[], layout='kinect_v1',
                             num_person=1, stream='bone')
    bone = ds[0]['keypoint']
    # hand_right (11) hangs from wrist_right (10); hip_center (0) from spine
    np.testing.assert_allclose(bone[0, :, 11], kp[0, :, 11] - kp[0, :, 10])
    np.testing.assert_allclose(bone[0, :, 0], kp[0, :, 0] - kp[0, :, 1])
    assert os.path.exists(path)


def test_samples_carry_the_layout_the_transforms_read(tmp_path):
    kp = np.random.default_rng(0).normal(size=(1, 10, 20, 3)).astype(
        np.float32)
    path = write(tmp_path, [dict(frame_dir='a', label=0, keypoint=kp)])
    pipeline = [
        dict(type='SkeletonFlip', p=1.0, seed=0),
        dict(type='CentralSpatialMasking', seed=0),
        dict(type='PSTLFormatGCNInput'),
    ]
    ds = PSTLSkeletonDataset(path, pipeline=pipeline, layout='kinect_v1',
                             num_person=1)
    sample = ds[0]
    assert sample['layout'] == 'kinect_v1'
    # Kinect v1's flip (shoulder_left 4 <-> shoulder_right 8), its 7 CSM
    # joints of 20, its one person.
    assert sample['keypoint'].shape == (1, 1, 10, 20, 3)
    np.testing.assert_array_equal(sample['keypoint'][0, 0, :, 4],
                                  kp[0, :, 8])
    assert sample['joint_mask'].shape == (20, )
    assert sample['joint_mask'].sum() == 7
    # A layout given to a transform that the samples contradict is named.
    ds = PSTLSkeletonDataset(path, layout='kinect_v1', num_person=1,
                             pipeline=[dict(type='SkeletonFlip',
                                            layout='nturgb+d')])
    with pytest.raises(SkeletonDataError, match="sample 0 \\('a'\\): "
                       "SkeletonFlip on sample 'a': the transform has "
                       "layout 'nturgb\\+d' but the sample is 'kinect_v1'"):
        ds[0]


def _write_both(tmp_path, anns):
    from pstl_mm.converters.writers import write_skeleton_dataset
    names = [a['frame_dir'] for a in anns]
    write_skeleton_dataset(
        str(tmp_path), 'both', anns,
        dict(xsub_train=names[:14], xsub_val=names[14:]))
    return tmp_path


def test_pickle_and_arrays_give_identical_samples(tmp_path):
    anns = good(2)
    _write_both(tmp_path, anns)
    from_pkl = PSTLSkeletonDataset(
        str(tmp_path / 'both.pkl'), pipeline=[], split='xsub_val')
    from_npy = PSTLSkeletonDataset(
        str(tmp_path / 'xsub' / 'val_data_joint.npy'), pipeline=[],
        label_file=str(tmp_path / 'xsub' / 'val_label.pkl'))
    assert len(from_pkl) == len(from_npy) == 6
    assert isinstance(from_npy._open_array(), np.memmap)
    for i in range(6):
        a, b = from_pkl[i], from_npy[i]
        assert a['frame_dir'] == b['frame_dir'] and a['label'] == b['label']
        np.testing.assert_array_equal(a['keypoint'], b['keypoint'])
    # pickling the dataset (spawned workers) does not copy the array
    assert len(pickle.dumps(from_npy)) < 200_000


def test_array_layout_errors(tmp_path):
    anns = good(1)
    _write_both(tmp_path, anns)
    npy = str(tmp_path / 'xsub' / 'train_data_joint.npy')
    labels = tmp_path / 'xsub' / 'train_label.pkl'
    names, values = pickle.loads(labels.read_bytes())
    labels.write_bytes(pickle.dumps((names, values[:-1])))
    with pytest.raises(SkeletonDataError,
                       match=r'10 samples but 9 labels and 10 names'):
        PSTLSkeletonDataset(npy, pipeline=[], label_file=str(labels))
    with pytest.raises(SkeletonDataError, match='needs label_file'):
        PSTLSkeletonDataset(npy, pipeline=[])
    labels.write_bytes(pickle.dumps((names, values)))
    data = np.load(npy)
    data[4, 1, 7, 3, 0] = np.inf
    np.save(npy, data)
    ds = PSTLSkeletonDataset(npy, pipeline=[], label_file=str(labels))
    with pytest.raises(SkeletonDataError,
                       match=r'train_data_joint.npy, sample 4 .*NaN/inf'):
        ds[4]


def test_label_fraction_per_class_and_seeded(tmp_path):
    anns = good(13)  # 13 per class, 10 classes
    path = write(tmp_path, anns)
    ds = PSTLSkeletonDataset(path, pipeline=[], label_fraction=0.1,
                             label_seed=4)
    counts = np.bincount([ds.get_data_info(i)['label']
                          for i in range(len(ds))])
    assert counts.tolist() == [1] * 10  # round(1.3) = 1
    ds10 = PSTLSkeletonDataset(path, pipeline=[], label_fraction=0.25,
                               label_seed=4)
    assert len(ds10) == 30  # round(3.25) = 3 per class
    same = PSTLSkeletonDataset(path, pipeline=[], label_fraction=0.25,
                               label_seed=4)
    other = PSTLSkeletonDataset(path, pipeline=[], label_fraction=0.25,
                                label_seed=5)
    assert same.labelled_subset == ds10.labelled_subset
    assert other.labelled_subset != ds10.labelled_subset
    tiny = PSTLSkeletonDataset(path, pipeline=[], label_fraction=0.01)
    assert len(tiny) == 10  # at least one per class


# ------------------------------------------ MMAction2's 2-D skeleton pickles


def pose2d(tmp_path, anns=None, **kwargs):
    """A dataset of MMAction2-style 2-D clips (coco, in_channels=2)."""
    anns = make_pose2d_annotations(4) if anns is None else anns
    return PSTLSkeletonDataset(write(tmp_path, anns), layout='coco',
                               in_channels=2, **dict(dict(pipeline=[]),
                                                     **kwargs))


def test_2d_pickles_load_with_their_scores_and_image_shapes(tmp_path):
    anns = make_pose2d_annotations(4)
    dataset = pose2d(tmp_path, anns)
    assert len(dataset) == 4
    for i, ann in enumerate(anns):
        info = dataset.get_data_info(i)
        m, t = ann['keypoint'].shape[:2]
        assert info['total_frames'] == t  # every clip its own length
        assert info['keypoint'].shape == (2, t, 17, 2)
        assert info['keypoint_score'].shape == (2, t, 17)
        assert info['keypoint_score'].dtype == np.float32
        np.testing.assert_array_equal(info['keypoint'][:m], ann['keypoint'])
        np.testing.assert_array_equal(info['keypoint_score'][:m],
                                      ann['keypoint_score'])
        # A padded person: at the image centre, zero scores.
        h, w = ann['img_shape']
        assert np.all(info['keypoint'][m:] == [w / 2, h / 2])
        assert not info['keypoint_score'][m:].any()
        assert info['img_shape'] == ann['img_shape']
        assert info['original_shape'] == ann['original_shape']
        assert info['layout'] == 'coco' and info['coordinates'] == 2
    one = pose2d(tmp_path, anns, num_person=1).get_data_info(1)
    assert one['keypoint'].shape[0] == one['keypoint_score'].shape[0] == 1
    # Without an image shape, a padded person is zero.
    del anns[0]['img_shape']
    assert not pose2d(tmp_path, anns).get_data_info(0)['keypoint'][1].any()
    # 3-D samples name their 3 coordinates.
    assert PSTLSkeletonDataset(write(tmp_path, good(1), name='3d.pkl'),
                               pipeline=[]).get_data_info(0)[
                                   'coordinates'] == 3


def _drop_score(anns):
    del anns[2]['keypoint_score']


@pytest.mark.parametrize('corrupt,message', [
    (lambda a: a[1].update(keypoint_score=np.ones((2, 49, 17), np.float32)),
     r"sample 1 \('S001C001P001R001A002'\): keypoint_score has shape "
     r'\(2, 49, 17\), expected \(2, 50, 17\) \(M, T, V of its keypoint '
     r'\(2, 50, 17, 2\)\)'),
    (lambda a: a[3]['keypoint_score'].__setitem__((1, 4, 2), np.nan),
     r'sample 3 .*keypoint_score holds NaN/inf \(first at person, frame, '
     r'joint = \[1, 4, 2\]\)'),
    (_drop_score, r'sample 2 .*has no keypoint_score, but the samples '
     'before it have'),
    (lambda a: a[0].update(img_shape=(1080, )),
     r"sample 0 .*img_shape must be \(height, width\), two positive "
     r'numbers, got \(1080,\)'),
    (lambda a: a[2].update(original_shape=(0, 640)),
     r'sample 2 .*original_shape must be \(height, width\)'),
    (lambda a: a[1].update(keypoint=np.zeros((2, 50, 17, 3), np.float32)),
     r'sample 1 .*keypoint has shape \(2, 50, 17, 3\), expected '
     r"\(M, T, 17, 2\) for layout 'coco' \(in_channels=2\)"),
])
def test_bad_2d_samples_are_named(tmp_path, corrupt, message):
    anns = make_pose2d_annotations(4)
    corrupt(anns)
    with pytest.raises(SkeletonDataError, match=message) as err:
        pose2d(tmp_path, anns)
    assert str(tmp_path / 'ann.pkl') in str(err.value)


def test_2d_pickle_read_as_3d_says_so(tmp_path):
    path = write(tmp_path, make_pose2d_annotations(2))
    with pytest.raises(SkeletonDataError, match=r"expected \(M, T, 17, 3\) "
                       r"for layout 'coco' \(in_channels=3; 2-D keypoints "
                       r'need in_channels=2\)'):
        PSTLSkeletonDataset(path, pipeline=[], layout='coco')


def test_2d_streams_refuse_normalizing_afterwards(tmp_path):
    with pytest.raises(ValueError, match="stream='bone' is computed from "
                       'the stored pixels'):
        pose2d(tmp_path, stream='bone',
               pipeline=[dict(type='PreNormalize2D')])
    assert pose2d(tmp_path, stream='motion')[0]['keypoint'].shape[-1] == 2


def test_2d_pipeline_of_mmaction2s_transforms(tmp_path):
    """PreNormalize2D by the clip's img_shape, the score appended,
    50 frames decoded: what the pretraining views take."""
    base = Config.fromfile(
        str(CONFIG_DIR / '_base_' / 'datasets' / 'ntu60_2d.py'))
    anns = make_pose2d_annotations(4)
    for pipeline, channels in ((base.with_score, 3),
                               (base.without_score, 2)):
        dataset = pose2d(tmp_path, anns, pipeline=pipeline)
        for i, ann in enumerate(anns):
            out = dataset[i]
            kp, inds = out['keypoint'], out['frame_inds']
            m, t = ann['keypoint'].shape[:2]
            assert kp.shape == (2, 50, 17, channels)
            assert inds.shape == (50, ) and inds.max() < t
            h, w = ann['img_shape']
            pixels = ann['keypoint'][:, inds]
            np.testing.assert_allclose(kp[:m, ..., 0],
                                       (pixels[..., 0] - w / 2) / (w / 2),
                                       atol=1e-6)
            np.testing.assert_allclose(kp[:m, ..., 1],
                                       (pixels[..., 1] - h / 2) / (h / 2),
                                       atol=1e-6)
            assert np.abs(kp[..., :2]).max() <= 1
            # A padded person is zero, as MMAction2 pads after normalizing.
            assert not kp[m:].any()
            if channels == 3:
                np.testing.assert_array_equal(
                    kp[:m, ..., 2], ann['keypoint_score'][:, inds])
            assert out['coordinates'] == 2
