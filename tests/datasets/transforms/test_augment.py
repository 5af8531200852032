"""Crop, shear, rotate and flip (pstl_mm/datasets/transforms/augment.py)."""
import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from pstl_mm.datasets.transforms import (SkeletonFlip, SkeletonRotate,
                                         SkeletonShear, TemporalPadCrop)
from pstl_mm.datasets.transforms.augment import (mirror_pad_frames,
                                                 rotation_matrix,
                                                 transform_points)
from pstl_mm.skeleton import get_layout

from tests.conftest import build, make_sample, run

NTU = get_layout('nturgb+d')


# ------------------------------------------------------------------ crop


def symmetric_pad(x, pad):
    return np.concatenate(
        [x[:, :pad][:, ::-1], x, x[:, -pad:][:, ::-1]], axis=1)


def crop_start(out, padded, t):
    starts = [
        s for s in range(padded.shape[1] - t + 1)
        if np.array_equal(padded[:, s:s + t], out)
    ]
    assert len(starts) == 1
    return starts[0]


def test_crop_is_a_window_of_the_mirror_padded_sequence():
    sample = make_sample(t=50)
    pad = 50 // 6
    assert pad == 8
    padded = symmetric_pad(sample['keypoint'], pad)
    crop = TemporalPadCrop(seed=3)
    starts = set()
    for _ in range(300):
        out = run(crop, sample)['keypoint']
        assert out.shape == (2, 50, 25, 3)
        assert out.dtype == np.float32
        starts.add(crop_start(out, padded, 50))
    # One start in [0, 2 * pad], both ends included.
    assert starts == set(range(2 * pad + 1))


def test_crop_mirror_padding_at_the_edges():
    sample = make_sample(t=12)  # pad = 2
    x = sample['keypoint']
    crop = TemporalPadCrop(seed=0)
    seen = {}
    for _ in range(200):
        out = run(crop, sample)['keypoint']
        seen[crop_start(out, symmetric_pad(x, 2), 12)] = out
    # start 0: frames 1, 0, 0, 1, ..., 9; start 4: 2, ..., 11, 11, 10.
    np.testing.assert_array_equal(seen[0][:, :4], x[:, [1, 0, 0, 1]])
    np.testing.assert_array_equal(seen[0][:, 2:], x[:, :10])
    np.testing.assert_array_equal(seen[4][:, -4:], x[:, [10, 11, 11, 10]])
    np.testing.assert_array_equal(seen[4][:, :10], x[:, 2:])


@pytest.mark.parametrize('num_frames', [1, 2, 5, 12, 50])
def test_mirror_pad_frames_is_numpy_symmetric_padding(num_frames):
    frames = np.arange(num_frames)
    for pad in range(num_frames + 1):
        index = mirror_pad_frames(num_frames, pad)
        expected = np.pad(frames, pad, mode='symmetric')
        np.testing.assert_array_equal(index, expected)
    assert mirror_pad_frames(12, 2).tolist() == [1, 0] + list(range(12)) + [
        11, 10]
    with pytest.raises(ValueError, match='pad'):
        mirror_pad_frames(num_frames, num_frames + 1)


def test_crop_of_a_short_sequence_is_identity():
    sample = make_sample(t=5)  # pad = 5 // 6 = 0
    out = run(TemporalPadCrop(seed=0), sample)['keypoint']
    np.testing.assert_array_equal(out, sample['keypoint'])


# ----------------------------------------------------------------- shear


def unit_vectors():
    """(1, 1, 3, 3): joint j is the unit vector e_j."""
    return dict(keypoint=np.eye(3, dtype=np.float32)[None, None],
                frame_dir='units')


def test_shear_matrix_unit_diagonal_and_bounded():
    beta = 0.3
    shear = SkeletonShear(beta=beta, seed=5)
    offdiag = ~np.eye(3, dtype=bool)
    values = []
    for _ in range(200):
        # Joint j of the output is S e_j, the column j of S.
        matrix = run(shear, unit_vectors())['keypoint'][0, 0].T
        np.testing.assert_allclose(np.diag(matrix), 1.0, atol=1e-6)
        assert np.all(np.abs(matrix[offdiag]) <= beta + 1e-6)
        values.append(matrix[offdiag])
    values = np.concatenate(values)
    assert values.min() < -0.9 * beta and values.max() > 0.9 * beta


def test_shear_is_linear():
    sample = make_sample()
    units = run(SkeletonShear(seed=1), unit_vectors())['keypoint']
    matrix = units[0, 0].T.astype(np.float64)
    out = run(SkeletonShear(seed=1), sample)['keypoint']
    np.testing.assert_allclose(
        out, sample['keypoint'] @ matrix.T, rtol=1e-5, atol=1e-5)
    assert not np.allclose(out, sample['keypoint'])


def test_transform_points_is_x_to_a_x():
    matrix = np.array([[1.0, 0.25, -0.5], [0.125, 1.0, 2.0],
                       [-3.0, 0.5, 1.0]])
    # Joint j of the unit-vector sample is e_j: it moves to A e_j exactly.
    units = unit_vectors()['keypoint']
    moved = transform_points(units, matrix)
    assert moved.dtype == np.float32 and moved.shape == (1, 1, 3, 3)
    np.testing.assert_array_equal(moved[0, 0], matrix.T.astype(np.float32))
    # Any sample: the float64 product rounded to float32, a new array.
    keypoint = make_sample()['keypoint']
    moved = transform_points(keypoint, matrix)
    expected = np.einsum('mtvc,dc->mtvd', keypoint.astype(np.float64),
                         matrix)
    assert moved.dtype == np.float32 and moved.shape == keypoint.shape
    np.testing.assert_allclose(moved, expected, rtol=1e-6, atol=1e-6)
    assert not np.shares_memory(moved, keypoint)
    in_float64 = transform_points(keypoint.astype(np.float64), matrix)
    assert in_float64.dtype == np.float64
    np.testing.assert_allclose(in_float64, expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- rotate


def test_rotation_matrix_is_rz_ry_rx():
    angles = np.array([0.3, -0.2, 0.7])
    expected = Rotation.from_euler('xyz', angles).as_matrix()  # extrinsic
    np.testing.assert_allclose(rotation_matrix(angles), expected, atol=1e-12)
    # About X alone: e_y -> (0, cos a, sin a).
    np.testing.assert_allclose(
        rotation_matrix(np.array([0.5, 0, 0])) @ [0, 1, 0],
        [0, math.cos(0.5), math.sin(0.5)],
        atol=1e-12)


def test_rotation_angles_one_main_axis_positive():
    rotate = SkeletonRotate(seed=2)
    main_axes = []
    for _ in range(300):
        angles = rotate.draw_angles()
        assert np.all(angles >= 0)
        assert angles.max() <= math.pi / 6
        assert np.sort(angles)[:2].max() <= math.pi / 180
        main_axes.append(int(np.argmax(angles)))
    assert set(main_axes) == {0, 1, 2}


def test_rotation_preserves_bone_lengths_and_distances():
    sample = make_sample()
    x = sample['keypoint'].astype(np.float64)
    parents = list(NTU.parents)
    rotate = SkeletonRotate(main_angle=math.pi, seed=4)
    for _ in range(10):
        out = run(rotate, sample)['keypoint'].astype(np.float64)
        assert not np.allclose(out, x, atol=1e-3)
        bones_in = np.linalg.norm(x - x[:, :, parents], axis=-1)
        bones_out = np.linalg.norm(out - out[:, :, parents], axis=-1)
        np.testing.assert_allclose(bones_out, bones_in, atol=1e-5)
        dist_in = np.linalg.norm(x[:, :, :, None] - x[:, :, None], axis=-1)
        dist_out = np.linalg.norm(
            out[:, :, :, None] - out[:, :, None], axis=-1)
        np.testing.assert_allclose(dist_out, dist_in, atol=1e-5)
        np.testing.assert_allclose(
            np.linalg.norm(out, axis=-1), np.linalg.norm(x, axis=-1),
            atol=1e-5)


def test_rotation_is_a_proper_rotation():
    matrix = run(SkeletonRotate(seed=8), unit_vectors())['keypoint'][0, 0].T
    np.testing.assert_allclose(matrix @ matrix.T, np.eye(3), atol=1e-6)
    assert np.linalg.det(matrix) == pytest.approx(1.0, abs=1e-6)


def test_rotation_needs_3d():
    with pytest.raises(ValueError, match='my_sample'):
        run(SkeletonRotate(seed=0), make_sample(c=2, name='my_sample'))


# ------------------------------------------------------------------ flip


def test_flip_swaps_named_joints_and_mask():
    sample = make_sample()
    names = list(NTU.joint_names)
    left, right = names.index('shoulder_left'), names.index('shoulder_right')
    mask = np.zeros(25, dtype=bool)
    mask[left] = True
    sample['joint_mask'] = mask
    out = run(SkeletonFlip(p=1.0, seed=0), sample)
    x = sample['keypoint']
    np.testing.assert_array_equal(out['keypoint'][:, :, left], x[:, :, right])
    np.testing.assert_array_equal(out['keypoint'][:, :, right], x[:, :, left])
    np.testing.assert_array_equal(out['keypoint'],
                                  x[:, :, list(NTU.flip_order)])
    assert np.flatnonzero(out['joint_mask']).tolist() == [right]
    # Torso joints stay where they are; no coordinate is negated.
    for torso in NTU.parts['torso']:
        np.testing.assert_array_equal(out['keypoint'][:, :, torso],
                                      x[:, :, torso])


def test_flip_twice_is_identity():
    sample = make_sample()
    sample['joint_mask'] = np.arange(25) % 3 == 0
    flip = SkeletonFlip(p=1.0, seed=0)
    out = run(flip, run(flip, sample))
    np.testing.assert_array_equal(out['keypoint'], sample['keypoint'])
    np.testing.assert_array_equal(out['joint_mask'], sample['joint_mask'])


def test_flip_probability():
    sample = make_sample()
    x = sample['keypoint']
    flipped = x[:, :, list(NTU.flip_order)]

    def flips(p, n):
        flip = SkeletonFlip(p=p, seed=11)
        count = 0
        for _ in range(n):
            out = run(flip, sample)['keypoint']
            is_flipped = np.array_equal(out, flipped)
            assert is_flipped or np.array_equal(out, x)
            count += is_flipped
        return count

    assert flips(0.0, 200) == 0
    assert flips(1.0, 200) == 200
    assert 0.45 < flips(0.5, 2000) / 2000 < 0.55


def test_flip_other_layouts_and_wrong_v():
    sample = make_sample(v=17, layout=None)
    out = run(SkeletonFlip(p=1.0, layout='coco', seed=0), sample)['keypoint']
    np.testing.assert_array_equal(out[:, :, 1], sample['keypoint'][:, :, 2])
    with pytest.raises(ValueError, match="my_sample'?: 17 joints, layout "
                       "'nturgb\\+d' has 25"):
        run(SkeletonFlip(seed=0), make_sample(v=17, name='my_sample'))


def test_flip_reads_the_layout_of_the_sample():
    flip = SkeletonFlip(p=1.0, seed=0)
    for layout, v in (('kinect_v1', 20), ('coco', 17), ('nturgb+d', 25)):
        sample = make_sample(v=v, layout=layout)
        order = list(get_layout(layout).flip_order)
        np.testing.assert_array_equal(run(flip, sample)['keypoint'],
                                      sample['keypoint'][:, :, order])
    # Kinect v1: the left shoulder (4) takes the right one's (8).
    sample = make_sample(v=20, layout='kinect_v1')
    np.testing.assert_array_equal(run(flip, sample)['keypoint'][:, :, 4],
                                  sample['keypoint'][:, :, 8])
    # Given or read, the same draws.
    given, read = SkeletonFlip(layout='nturgb+d', seed=4), SkeletonFlip(seed=4)
    for _ in range(6):
        np.testing.assert_array_equal(
            run(given, make_sample(layout=None))['keypoint'],
            run(read, make_sample())['keypoint'])
    assert 'layout=None' in repr(read)


def test_flip_without_a_layout_names_the_sample():
    with pytest.raises(ValueError, match="SkeletonFlip on sample 'bare': no "
                       'skeleton layout'):
        run(SkeletonFlip(seed=0), make_sample(name='bare', layout=None))
    with pytest.raises(ValueError, match="SkeletonFlip on sample 'odd': the "
                       "transform has layout 'coco' but the sample is "
                       "'nturgb\\+d'"):
        run(SkeletonFlip(layout='coco', seed=0), make_sample(name='odd'))
    with pytest.raises(ValueError, match="'odd': unknown skeleton layout "
                       "'ntu'"):
        run(SkeletonFlip(seed=0), make_sample(name='odd', layout='ntu'))


# ----------------------------------------------------- all four transforms

FACTORIES = {
    'crop': lambda seed: TemporalPadCrop(seed=seed),
    'shear': lambda seed: SkeletonShear(seed=seed),
    'rotate': lambda seed: SkeletonRotate(seed=seed),
    'flip': lambda seed: SkeletonFlip(seed=seed),
}


def outputs(transform, n=8):
    sample = make_sample()
    return [run(transform, sample)['keypoint'] for _ in range(n)]


@pytest.mark.parametrize('name', sorted(FACTORIES))
def test_reproducible_from_seed(name):
    make = FACTORIES[name]
    first, again, other = outputs(make(7)), outputs(make(7)), outputs(make(8))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))
    # Successive calls draw new parameters.
    assert any(not np.array_equal(first[0], b) for b in first[1:])
    # reseed restarts the stream.
    transform = make(123)
    transform.reseed(7)
    for a, b in zip(first, outputs(transform)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize('name', sorted(FACTORIES))
def test_independent_of_numpy_global_rng(name):
    make = FACTORIES[name]
    np.random.seed(0)
    first = outputs(make(7))
    np.random.seed(1)
    state = np.random.get_state()
    second = outputs(make(7))
    after = np.random.get_state()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert after[0] == state[0]
    np.testing.assert_array_equal(after[1], state[1])
    assert after[2:] == state[2:]


@pytest.mark.parametrize('name', sorted(FACTORIES))
def test_keeps_float32_shape_and_other_keys(name):
    sample = make_sample()
    out = run(FACTORIES[name](0), sample)
    assert out['keypoint'].dtype == np.float32
    assert out['keypoint'].shape == sample['keypoint'].shape
    assert out['label'] == 3 and out['frame_dir'] == sample['frame_dir']


def test_registered_and_buildable():
    for cfg in [dict(type='TemporalPadCrop', pad_ratio=6),
                dict(type='SkeletonShear', beta=1.0),
                dict(type='SkeletonRotate'),
                dict(type='SkeletonFlip', p=0.5),
                dict(type='SkeletonFlip', p=0.5, layout='nturgb+d')]:
        transform = build(dict(cfg, seed=0))
        assert type(transform).__name__ == cfg['type']
        assert cfg['type'] in repr(transform)


def test_share_batch_draws_once_per_group_of_samples():
    """The authors' mode: one set of parameters per batch."""
    from pstl_mm.datasets.transforms import SkeletonRotate
    rot = SkeletonRotate(seed=3)
    rot.set_share_batch(4)
    base = np.random.default_rng(0).normal(size=(1, 5, 25, 3)).astype(
        np.float32)
    outs = []
    for i in range(8):
        results = dict(keypoint=base.copy(), sample_idx=100 + 7 * i)
        outs.append(rot(results)['keypoint'])
    for i in (1, 2, 3):
        np.testing.assert_array_equal(outs[i], outs[0])
        np.testing.assert_array_equal(outs[4 + i], outs[4])
    assert not np.allclose(outs[0], outs[4])
    per_sample = SkeletonRotate(seed=3)
    a = per_sample(dict(keypoint=base.copy(), sample_idx=1))['keypoint']
    b = per_sample(dict(keypoint=base.copy(), sample_idx=2))['keypoint']
    assert not np.allclose(a, b)


# ------------------------------------------- the authors' formulas (model.py)
# Each restates the function of the authors' model.py (github YujieOuO/PSTL)
# in numpy, on their (N, C, T, V, M) layout, and is given the parameters our
# transform drew: the transform draws from one generator and a copy of it
# repeats the draws.

AUTHORS_FLIP_ORDER = [0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 16, 17, 18, 19,
                      12, 13, 14, 15, 20, 23, 24, 21, 22]


def to_nctvm(keypoint):
    return keypoint.transpose(3, 1, 2, 0)[None]


def authors_crop(data, frame_start, temperal_padding_ratio=6):
    """``crop``: mirror the first and last T // 6 frames, take T frames."""
    t = data.shape[2]
    padding_len = t // temperal_padding_ratio
    first_clip = np.flip(data[:, :, :padding_len], axis=2)
    thrid_clip = np.flip(data[:, :, -padding_len:], axis=2)
    out = np.concatenate([first_clip, data, thrid_clip], axis=2)
    return out[:, :, frame_start:frame_start + t]


def authors_shear(data, draws):
    """``shear``: the six uniforms in the order they are drawn."""
    a, b, c, d, e, f = draws
    shear = np.array([[1, a, b], [c, 1, d], [e, f, 1]])
    return np.einsum('nctvm,cd->ndtvm', data, shear)


def authors_rotate(data, angles):
    """``random_rotate`` with its drawn angles (radians) about x, y, z: about
    x, then y, then z, each matrix transposed."""
    def rotate(seq, axis, angle):
        c, s = math.cos(angle), math.sin(angle)
        if axis == 0:
            r = np.array([[1, 0, 0], [0, c, s], [0, -s, c]])
        if axis == 1:
            r = np.array([[c, 0, -s], [0, 1, 0], [s, 0, c]])
        if axis == 2:
            r = np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]])
        return np.einsum('nctvm,cd->ndtvm', seq, r.T)

    for axis in (0, 1, 2):
        data = rotate(data, axis, angles[axis])
    return data


def authors_flip(data, draw, p=0.5):
    """``random_spatial_flip``."""
    if draw < p:
        return data[:, :, :, AUTHORS_FLIP_ORDER, :]
    return data


def apply_with(transform, keypoint, seed):
    """The transform on ``keypoint`` drawing from a generator of ``seed``."""
    out = transform.apply(
        dict(keypoint=keypoint.copy(), frame_dir='x', layout='nturgb+d'),
        np.random.default_rng(seed))
    return to_nctvm(out['keypoint'])


@pytest.mark.parametrize('num_frames', [50, 12, 5])
def test_crop_is_the_authors_crop(num_frames):
    x = make_sample(t=num_frames)['keypoint']
    starts = set()
    for seed in range(80):
        draws = np.random.default_rng(seed)
        start = int(draws.integers(0, 2 * (num_frames // 6) + 1))
        starts.add(start)
        expected = authors_crop(to_nctvm(x), start)
        np.testing.assert_array_equal(
            apply_with(TemporalPadCrop(seed=0), x, seed), expected)
    assert len(starts) == 2 * (num_frames // 6) + 1


def test_shear_is_the_authors_shear():
    x = make_sample()['keypoint']
    for seed in range(20):
        draws = np.random.default_rng(seed).uniform(-1.0, 1.0, size=6)
        expected = authors_shear(to_nctvm(x).astype(np.float64), draws)
        out = apply_with(SkeletonShear(beta=1.0, seed=0), x, seed)
        np.testing.assert_allclose(out, expected, atol=1e-5)
        # x <- S x (the shear transposed) differs
        transposed = draws[[2, 4, 0, 5, 1, 3]]
        assert np.abs(out - authors_shear(to_nctvm(x), transposed)).max() > 0.1


def test_rotate_is_the_authors_rotate():
    x = make_sample()['keypoint']
    main_axes = set()
    for seed in range(30):
        draws = np.random.default_rng(seed)
        main_axis = int(draws.integers(0, 3))
        angles = draws.uniform(0.0, math.pi / 180, size=3)
        angles[main_axis] = draws.uniform(0.0, math.pi / 6)
        main_axes.add(main_axis)
        expected = authors_rotate(to_nctvm(x).astype(np.float64), angles)
        out = apply_with(SkeletonRotate(seed=0), x, seed)
        np.testing.assert_allclose(out, expected, atol=1e-5)
    assert main_axes == {0, 1, 2}


def test_rotate_direction_about_each_axis(monkeypatch):
    """+0.5 rad about one axis: e_y -> (0, 0.878, -0.479) about x, as in
    the authors' code; the other axes likewise turn by -0.5 rad."""
    units = np.eye(3, dtype=np.float32)[None, None]  # joint j is e_j
    for axis, moved, expected in ((0, 1, [0, math.cos(0.5), -math.sin(0.5)]),
                                  (1, 2, [-math.sin(0.5), 0, math.cos(0.5)]),
                                  (2, 0, [math.cos(0.5), -math.sin(0.5), 0])):
        angles = np.zeros(3)
        angles[axis] = 0.5
        monkeypatch.setattr(SkeletonRotate, 'draw_angles',
                            lambda self, a=angles: a.copy())
        out = run(SkeletonRotate(seed=0), dict(keypoint=units))['keypoint']
        np.testing.assert_allclose(out[0, 0, moved], expected, atol=1e-6)
        authors = authors_rotate(to_nctvm(units.astype(np.float64)), angles)
        np.testing.assert_allclose(out[0, 0, moved], authors[0, :, 0, moved, 0],
                                   atol=1e-6)


def test_flip_is_the_authors_flip():
    x = make_sample()['keypoint']
    outcomes = set()
    for seed in range(20):
        draw = np.random.default_rng(seed).random()
        outcomes.add(draw < 0.5)
        np.testing.assert_array_equal(
            apply_with(SkeletonFlip(p=0.5, seed=0), x, seed),
            authors_flip(to_nctvm(x), draw))
    assert outcomes == {True, False}


# --------------------------------------------------------- 2-D keypoints

COCO = get_layout('coco')


def pose2d_sample(m=2, t=20, seed=0, coordinates=2, name='pose2d'):
    """A coco sample as the 2-D pipeline gives it: (x, y, score), C = 3.

    The dataset's ``coordinates`` (2) is set unless ``coordinates`` is None.
    """
    rng = np.random.default_rng(seed)
    keypoint = np.concatenate([
        rng.uniform(-1, 1, size=(m, t, 17, 2)),
        rng.uniform(0.2, 1, size=(m, t, 17, 1))], axis=-1).astype(np.float32)
    sample = dict(keypoint=keypoint, frame_dir=name, label=3, layout='coco')
    if coordinates is not None:
        sample['coordinates'] = coordinates
    return sample


def test_rotation_2d_is_in_plane_and_keeps_the_score():
    sample = pose2d_sample()
    x = sample['keypoint'].astype(np.float64)
    rotate = SkeletonRotate(main_angle=math.pi, seed=4)
    parents = list(COCO.parents)
    for _ in range(10):
        out = run(rotate, sample)['keypoint']
        assert out.shape == x.shape and out.dtype == np.float32
        # The score channel is passed through, bit for bit.
        np.testing.assert_array_equal(out[..., 2], sample['keypoint'][..., 2])
        xy, xy_in = out[..., :2].astype(np.float64), x[..., :2]
        assert not np.allclose(xy, xy_in, atol=1e-3)
        # Lengths of vectors in the plane: from the origin, bones, any pair.
        np.testing.assert_allclose(np.linalg.norm(xy, axis=-1),
                                   np.linalg.norm(xy_in, axis=-1), atol=1e-5)
        np.testing.assert_allclose(
            np.linalg.norm(xy - xy[:, :, parents], axis=-1),
            np.linalg.norm(xy_in - xy_in[:, :, parents], axis=-1),
            atol=1e-5)
        np.testing.assert_allclose(
            np.linalg.norm(xy[:, :, :, None] - xy[:, :, None], axis=-1),
            np.linalg.norm(xy_in[:, :, :, None] - xy_in[:, :, None],
                           axis=-1), atol=1e-5)


def test_rotation_2d_turns_by_minus_one_angle_about_z():
    # Joints e_x and e_y (and a score): the output holds R's columns.
    units = dict(keypoint=np.array([[[[1, 0, 0.5], [0, 1, 0.7]]]],
                                   np.float32), coordinates=2,
                 frame_dir='units')
    rotate, twin = (SkeletonRotate(main_angle=math.pi / 6, seed=3)
                    for _ in range(2))
    for _ in range(50):
        matrix = run(rotate, units)['keypoint'][0, 0, :, :2].T
        angle = twin.draw_plane_angle()
        assert 0 <= angle <= math.pi / 6
        np.testing.assert_allclose(
            matrix, [[math.cos(angle), math.sin(angle)],
                     [-math.sin(angle), math.cos(angle)]], atol=1e-6)
        assert np.linalg.det(matrix) == pytest.approx(1.0, abs=1e-6)
    # Given to the transform or read from the sample: the same rotation.
    bare = dict(units)
    del bare['coordinates']
    np.testing.assert_array_equal(
        run(SkeletonRotate(coordinates=2, seed=9), bare)['keypoint'],
        run(SkeletonRotate(seed=9), units)['keypoint'])
    # Plain (x, y), C = 2, named 2-D: the same in-plane rotation.
    plain = pose2d_sample()
    plain['keypoint'] = plain['keypoint'][..., :2].copy()
    np.testing.assert_array_equal(
        run(SkeletonRotate(seed=9), plain)['keypoint'],
        run(SkeletonRotate(seed=9), pose2d_sample())['keypoint'][..., :2])


def test_flip_2d_mirrors_x_and_swaps_coco_left_and_right():
    sample = pose2d_sample()
    sample['keypoint_score'] = sample['keypoint'][..., 2].copy()
    sample['joint_mask'] = np.arange(17) == COCO.joint_names.index(
        'wrist_left')
    out = run(SkeletonFlip(p=1.0, seed=0), sample)
    x, y = out['keypoint'], sample['keypoint']
    names = list(COCO.joint_names)
    for side in ('eye', 'ear', 'shoulder', 'elbow', 'wrist', 'hip', 'knee',
                 'ankle'):
        left, right = names.index(f'{side}_left'), names.index(f'{side}_right')
        for a, b in ((left, right), (right, left)):
            np.testing.assert_array_equal(x[:, :, a, 0], -y[:, :, b, 0])
            np.testing.assert_array_equal(x[:, :, a, 1:], y[:, :, b, 1:])
    nose = names.index('nose')
    np.testing.assert_array_equal(x[:, :, nose, 0], -y[:, :, nose, 0])
    order = list(COCO.flip_order)
    mirrored = y[:, :, order] * np.array([-1, 1, 1], np.float32)
    np.testing.assert_array_equal(x, mirrored)
    # The score moves with its joint and is not negated.
    np.testing.assert_array_equal(out['keypoint_score'],
                                  sample['keypoint_score'][:, :, order])
    assert np.flatnonzero(out['joint_mask']).tolist() == [
        names.index('wrist_right')]
    # Twice is the identity; not drawn, nothing changes.
    flip = SkeletonFlip(p=1.0, seed=0)
    np.testing.assert_array_equal(run(flip, run(flip, sample))['keypoint'],
                                  y)
    np.testing.assert_array_equal(
        run(SkeletonFlip(p=0.0, seed=0), sample)['keypoint'], y)
    # Given to the transform, the same; unnamed, a relabelling only (3-D).
    bare = pose2d_sample(coordinates=None)
    np.testing.assert_array_equal(
        run(SkeletonFlip(p=1.0, coordinates=2, seed=0), bare)['keypoint'],
        x)
    np.testing.assert_array_equal(
        run(SkeletonFlip(p=1.0, seed=0), bare)['keypoint'], y[:, :, order])


def test_shear_2d_mixes_x_and_y_only():
    sample = pose2d_sample()
    beta = 0.4
    shear, twin = SkeletonShear(beta=beta, seed=2), SkeletonShear(beta=beta,
                                                                  seed=2)
    x = sample['keypoint'].astype(np.float64)
    for _ in range(20):
        out = run(shear, sample)['keypoint']
        matrix = twin.shear_matrix(2)
        assert matrix.shape == (2, 2)
        np.testing.assert_array_equal(np.diag(matrix), 1.0)
        assert np.all(np.abs(matrix[[0, 1], [1, 0]]) <= beta)
        np.testing.assert_array_equal(out[..., 2], sample['keypoint'][..., 2])
        np.testing.assert_allclose(out[..., :2], x[..., :2] @ matrix,
                                   rtol=1e-5, atol=1e-6)
    # Plain (x, y): the same shear.
    plain = pose2d_sample(coordinates=None)
    plain['keypoint'] = plain['keypoint'][..., :2].copy()
    np.testing.assert_array_equal(
        run(SkeletonShear(seed=5), plain)['keypoint'],
        run(SkeletonShear(seed=5), pose2d_sample())['keypoint'][..., :2])


def test_crop_2d_takes_the_same_frames_of_the_score():
    sample = pose2d_sample(t=30)
    sample['keypoint_score'] = sample['keypoint'][..., 2].copy()
    crop = TemporalPadCrop(seed=1)
    for _ in range(5):
        out = run(crop, sample)
        assert out['keypoint'].shape == sample['keypoint'].shape
        np.testing.assert_array_equal(out['keypoint_score'],
                                      out['keypoint'][..., 2])


def test_3d_samples_named_3d_transform_as_before():
    """The dataset names 3-D samples' coordinates (3): nothing changes."""
    named = make_sample()
    named['coordinates'] = 3
    for name, make in FACTORIES.items():
        np.testing.assert_array_equal(
            run(make(7), named)['keypoint'],
            run(make(7), make_sample())['keypoint'], err_msg=name)


def test_coordinates_are_checked_and_named():
    with pytest.raises(ValueError, match='coordinates must be an int >= 1'):
        SkeletonShear(coordinates=0)
    with pytest.raises(ValueError, match='coordinates must be 2 or 3'):
        SkeletonRotate(coordinates=4)
    with pytest.raises(ValueError, match="SkeletonFlip on sample 'odd': the "
                       'transform has coordinates=3 but the sample has 2'):
        run(SkeletonFlip(coordinates=3, seed=0), pose2d_sample(name='odd'))
    with pytest.raises(ValueError, match="SkeletonShear on sample 'odd': "
                       'coordinates=4, but "keypoint" has only C = 3'):
        run(SkeletonShear(seed=0), pose2d_sample(coordinates=4, name='odd'))
    with pytest.raises(ValueError, match="on sample 'odd': needs 3-D "
                       'coordinates, got C = 2 \\(2-D keypoints: '
                       'coordinates=2'):
        run(SkeletonRotate(seed=0), make_sample(c=2, name='odd'))
    for transform in (SkeletonShear(coordinates=2), SkeletonFlip(),
                      SkeletonRotate(coordinates=2)):
        assert 'coordinates=' in repr(transform)
