"""Spatial and temporal masks (pstl_mm/datasets/transforms/masking.py)."""
from math import comb

import numpy as np
import pytest
from scipy.stats import chisquare

from pstl_mm.datasets.transforms import (CentralSpatialMasking,
                                         MotionAttentionTemporalMasking,
                                         RandomSpatialMasking,
                                         RandomTemporalMasking)
from pstl_mm.datasets.transforms.masking import (draw_without_replacement,
                                                 lowest_motion_frames,
                                                 motion_attention)
from pstl_mm.skeleton import get_layout

from tests.conftest import build, make_sample, run

NTU = get_layout('nturgb+d')
NTU_DEGREES = np.array([3, 2, 2, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 2, 2,
                        2, 1, 4, 1, 2, 1, 2])


# Tiny sample: the spatial masks read only V.
SMALL = dict(keypoint=np.zeros((1, 2, 25, 3), np.float32), frame_dir='small',
             layout='nturgb+d')


def masks(transform, n):
    return np.stack([transform(dict(SMALL))['joint_mask'] for _ in range(n)])


# ------------------------------------------------- drawing without replacement


def pair_counts(weights, n, seed=0):
    """Counts of every drawn pair {i, j} (i < j) over ``n`` draws of 2."""
    rng = np.random.default_rng(seed)
    counts = {}
    for _ in range(n):
        pair = tuple(sorted(
            draw_without_replacement(rng, 4, 2, weights).tolist()))
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def test_draw_without_replacement_is_successive_weighted_draws():
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    total = weights.sum()
    # P({i, j}) = w_i / W * w_j / (W - w_i) + w_j / W * w_i / (W - w_j).
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    exact = np.array([
        weights[i] / total * weights[j] / (total - weights[i]) +
        weights[j] / total * weights[i] / (total - weights[j])
        for i, j in pairs
    ])
    assert exact.sum() == pytest.approx(1.0)
    assert exact[0] == pytest.approx(1 / 10 * 2 / 9 + 2 / 10 * 1 / 8)
    n = 20000
    counts = pair_counts(weights, n)
    observed = np.array([counts.get(pair, 0) for pair in pairs])
    assert observed.sum() == n
    assert chisquare(observed, n * exact).pvalue > 1e-3
    # Without weights: every pair equally likely.
    counts = pair_counts(None, 6000, seed=1)
    observed = np.array([counts.get(pair, 0) for pair in pairs])
    assert chisquare(observed, np.full(6, 1000)).pvalue > 1e-3


def test_draw_without_replacement_edges():
    rng = np.random.default_rng(0)
    empty = draw_without_replacement(rng, 5, 0)
    assert empty.dtype == np.int64 and empty.shape == (0, )
    every = draw_without_replacement(rng, 5, 5, np.arange(1.0, 6.0))
    assert every.dtype == np.int64 and sorted(every.tolist()) == list(
        range(5))
    one = [draw_without_replacement(rng, 3, 1, np.array([1e-9, 1.0, 1e-9]))
           for _ in range(20)]
    assert all(d.tolist() == [1] for d in one)
    # The same generator state gives the same draw.
    a = draw_without_replacement(np.random.default_rng(4), 25, 9)
    b = draw_without_replacement(np.random.default_rng(4), 25, 9)
    np.testing.assert_array_equal(a, b)
    assert len(set(a.tolist())) == 9


# --------------------------------------------------------------- spatial


def test_csm_single_joint_follows_degrees():
    assert NTU.degrees.tolist() == NTU_DEGREES.tolist()
    n = 20000
    drawn = masks(CentralSpatialMasking(num_masked=1, seed=0), n)
    assert np.all(drawn.sum(axis=1) == 1)
    counts = drawn.sum(axis=0)
    expected = n * NTU_DEGREES / NTU_DEGREES.sum()
    assert chisquare(counts, expected).pvalue > 1e-3
    # The centre (degree 4) is drawn about 4x as often as a leaf.
    assert counts[20] / counts[3] == pytest.approx(4.0, rel=0.25)


def test_csm_paper_mode_masks_exactly_num_masked():
    csm = CentralSpatialMasking(num_masked=9, mode='paper', seed=1)
    drawn = masks(csm, 500)
    assert drawn.dtype == bool and drawn.shape == (500, 25)
    assert np.all(drawn.sum(axis=1) == 9)
    # High-degree joints are masked more often than leaves.
    freq = drawn.mean(axis=0)
    leaves = NTU_DEGREES == 1
    assert freq[20] > freq[~leaves & (NTU_DEGREES == 2)].mean() > \
        freq[leaves].mean()


def test_csm_reference_mode_pool_statistics():
    n = 20000
    counts = masks(CentralSpatialMasking(mode='reference', seed=2),
                   n).sum(axis=1)
    assert counts.min() >= 3 and counts.max() <= 8
    # E[#distinct] = sum_i 1 - C(48 - d_i, 8) / C(48, 8) = 7.3456.
    expected = sum(1 - comb(48 - int(d), 8) / comb(48, 8)
                   for d in NTU_DEGREES)
    assert expected == pytest.approx(7.34, abs=0.01)
    assert counts.mean() == pytest.approx(expected, abs=0.05)
    # num_draws changes the pool draws.
    few = masks(CentralSpatialMasking(mode='reference', num_draws=2, seed=2),
                200).sum(axis=1)
    assert set(few.tolist()) <= {1, 2} and few.max() == 2


def test_rsm_uniform_distinct():
    drawn = masks(RandomSpatialMasking(num_masked=9, seed=3), 4000)
    assert np.all(drawn.sum(axis=1) == 9)
    counts = drawn.sum(axis=0)
    assert chisquare(counts, np.full(25, counts.sum() / 25)).pvalue > 1e-3


@pytest.mark.parametrize('make', [
    lambda: CentralSpatialMasking(seed=0),
    lambda: CentralSpatialMasking(mode='reference', seed=0),
    lambda: RandomSpatialMasking(seed=0),
])
def test_spatial_masks_leave_coordinates(make):
    sample = make_sample()
    out = run(make(), sample)
    np.testing.assert_array_equal(out['keypoint'], sample['keypoint'])
    assert out['keypoint'].dtype == np.float32
    assert out['joint_mask'].shape == (25, )
    assert out['joint_mask'].dtype == bool


def test_spatial_mask_errors():
    with pytest.raises(ValueError, match='mode'):
        CentralSpatialMasking(mode='bogus')
    with pytest.raises(ValueError, match='num_masked'):
        CentralSpatialMasking(num_masked=-1)
    # A given layout is checked at once, the sample's at its first sample.
    with pytest.raises(ValueError, match='num_masked=25'):
        CentralSpatialMasking(num_masked=25, layout='nturgb+d')
    with pytest.raises(ValueError, match='num_masked=30'):
        RandomSpatialMasking(num_masked=30, layout='nturgb+d')
    with pytest.raises(ValueError, match='num_draws=49'):
        CentralSpatialMasking(mode='reference', num_draws=49,
                              layout='nturgb+d')
    with pytest.raises(ValueError, match=r"CentralSpatialMasking on sample "
                       r"'my_sample': num_masked=20 must be in \[0, 20\) "
                       "for layout 'kinect_v1'"):
        run(CentralSpatialMasking(num_masked=20, seed=0),
            make_sample(v=20, name='my_sample', layout='kinect_v1'))
    with pytest.raises(ValueError, match='num_draws=49'):
        run(CentralSpatialMasking(mode='reference', num_draws=49), SMALL)
    with pytest.raises(ValueError, match='my_sample'):
        run(CentralSpatialMasking(seed=0), make_sample(v=17, name='my_sample'))


@pytest.mark.parametrize('make', [CentralSpatialMasking, RandomSpatialMasking])
def test_spatial_masks_read_the_layout_of_the_sample(make):
    # No layout given: the sample's, and its num_masked (7 of Kinect v1's
    # 20 joints, the paper's 9 of NTU's 25).
    transform = make(seed=0)
    for layout, v, k in (('kinect_v1', 20, 7), ('nturgb+d', 25, 9),
                         ('coco', 17, 6)):
        out = run(transform, make_sample(v=v, layout=layout))
        assert out['joint_mask'].shape == (v, )
        assert out['joint_mask'].sum() == k
    # A count given is kept on every layout.
    out = run(make(num_masked=3, seed=0),
              make_sample(v=20, layout='kinect_v1'))
    assert out['joint_mask'].sum() == 3


@pytest.mark.parametrize('mode', ['paper', 'reference'])
def test_csm_draws_the_same_with_the_layout_given_or_read(mode):
    given = CentralSpatialMasking(mode=mode, layout='nturgb+d', seed=5)
    read = CentralSpatialMasking(mode=mode, seed=5)
    for _ in range(5):
        np.testing.assert_array_equal(
            run(given, make_sample(layout=None))['joint_mask'],
            run(read, make_sample())['joint_mask'])
    assert "layout=None" in repr(read) and "'nturgb+d'" in repr(given)


def test_csm_draws_by_the_degrees_of_the_sample_layout():
    kinect = get_layout('kinect_v1')
    sample = dict(keypoint=np.zeros((1, 2, 20, 3), np.float32),
                  layout='kinect_v1')
    csm = CentralSpatialMasking(num_masked=1, seed=0)
    counts = np.stack([csm(dict(sample))['joint_mask']
                       for _ in range(6000)]).sum(axis=0)
    expected = 6000 * kinect.degrees / kinect.degrees.sum()
    assert chisquare(counts, expected).pvalue > 1e-3


@pytest.mark.parametrize('make', [CentralSpatialMasking, RandomSpatialMasking])
def test_spatial_masks_without_a_layout_name_the_sample(make):
    with pytest.raises(ValueError, match=f"{make.__name__} on sample "
                       "'bare': no skeleton layout"):
        run(make(seed=0), make_sample(name='bare', layout=None))
    # An explicit layout serves a bare sample, and must agree with a
    # sample that names one.
    out = run(make(layout='kinect_v1', seed=0),
              make_sample(v=20, layout=None))
    assert out['joint_mask'].shape == (20, ) and out['joint_mask'].sum() == 7
    with pytest.raises(ValueError, match="has layout 'kinect_v1' but the "
                       "sample is 'nturgb\\+d'"):
        run(make(layout='kinect_v1', seed=0), make_sample())


def test_csm_coco_layout():
    coco = get_layout('coco')
    sample = dict(keypoint=np.zeros((1, 2, 17, 3), np.float32))  # no layout
    csm = CentralSpatialMasking(num_masked=1, layout='coco', seed=0)
    drawn = np.stack([csm(dict(sample))['joint_mask'] for _ in range(3000)])
    assert drawn.shape == (3000, 17)
    assert np.all(drawn.sum(axis=1) == 1)
    # The nose (degree 4) is drawn more often than any other joint.
    assert coco.degrees[0] == coco.degrees.max()
    assert drawn.sum(axis=0).argmax() == 0


# -------------------------------------------------------------- temporal


def test_motion_attention_formula():
    # x = 0, 1, 3, 3: differences 1, 2, 0 -> m = 1, 4, 0, 0 -> a = m^2 / 17.
    x = np.array([0, 1, 3, 3], np.float32).reshape(1, 4, 1, 1)
    np.testing.assert_allclose(motion_attention(x), [1 / 17, 16 / 17, 0, 0])
    # Mean over M, V, C (zero persons included).
    x2 = np.zeros((2, 4, 2, 3), np.float32)
    x2[0, :, 0, 0] = [0, 1, 3, 3]
    np.testing.assert_allclose(motion_attention(x2), [1 / 17, 16 / 17, 0, 0])
    sample = make_sample()
    attention = motion_attention(sample['keypoint'])
    assert attention.shape == (50, ) and attention[-1] == 0
    assert attention.sum() == pytest.approx(1.0)
    # Static sequence: no attention, ties removed lowest index first.
    still = np.ones((1, 10, 25, 3), np.float32)
    assert np.all(motion_attention(still) == 0)
    assert lowest_motion_frames(still, 3).tolist() == list(range(3, 10))


def sequence_with_hot_frames(hot, t=50, seed=0):
    """Random walk with small steps, and large steps after the hot frames."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(scale=1e-3, size=(2, t - 1, 25, 3))
    for rank, frame in enumerate(hot):
        steps[:, frame] += 1.0 + 0.1 * rank
    keypoint = np.concatenate(
        [np.zeros((2, 1, 25, 3)), np.cumsum(steps, axis=1)], axis=1)
    return dict(keypoint=keypoint.astype(np.float32), frame_dir='hot')


def test_matm_removes_the_high_motion_frames():
    hot = [0, 3, 7, 12, 20, 21, 33, 40, 45, 48]
    sample = sequence_with_hot_frames(hot)
    calm = [f for f in range(50) if f not in hot]
    assert lowest_motion_frames(sample['keypoint'], 10).tolist() == calm
    matm = MotionAttentionTemporalMasking(num_attention=10, num_random=10,
                                          seed=0)
    kept_sets = set()
    for _ in range(20):
        out = run(matm, sample)
        kept = out['kept_frames']
        assert kept.dtype == np.int64 and kept.shape == (30, )
        assert np.all(np.diff(kept) > 0)
        assert set(kept.tolist()) <= set(calm)
        assert out['keypoint'].shape == (2, 30, 25, 3)
        assert out['keypoint'].dtype == np.float32
        np.testing.assert_array_equal(out['keypoint'],
                                      sample['keypoint'][:, kept])
        kept_sets.add(tuple(kept.tolist()))
    assert len(kept_sets) > 1  # the random stage varies


def test_matm_stage1_matches_reference(reference):
    x = reference['x']
    stage1 = reference['matm_official_stage1_idx']
    kept_ref = reference['matm_official_keep_idx']
    matm = MotionAttentionTemporalMasking(seed=0)
    for i in range(x.shape[0]):
        keypoint = x[i].permute(3, 1, 2, 0).numpy()  # (M, T, V, C)
        calm = lowest_motion_frames(keypoint, 10)
        np.testing.assert_array_equal(calm, stage1[i].numpy())
        # The reference's kept frames are a subset of the same 40.
        assert set(kept_ref[i].tolist()) <= set(calm.tolist())
        out = matm(dict(keypoint=keypoint.copy(), frame_dir=f'ref{i}'))
        kept = out['kept_frames']
        assert len(kept) == 30 and np.all(np.diff(kept) > 0)
        assert set(kept.tolist()) <= set(calm.tolist())
        np.testing.assert_array_equal(out['keypoint'], keypoint[:, kept])


def test_rtm_keeps_count_in_order_and_is_uniform():
    sample = make_sample()
    rtm = RandomTemporalMasking(num_removed=20, seed=0)
    removed = np.zeros(50)
    n = 2000
    for _ in range(n):
        out = run(rtm, sample)
        kept = out['kept_frames']
        assert kept.dtype == np.int64 and kept.shape == (30, )
        assert np.all(np.diff(kept) > 0)
        np.testing.assert_array_equal(out['keypoint'],
                                      sample['keypoint'][:, kept])
        removed[np.setdiff1d(np.arange(50), kept)] += 1
    assert np.all(np.abs(removed / n - 0.4) < 0.06)


def test_temporal_masks_update_total_frames_and_scores():
    sample = make_sample()
    sample['total_frames'] = 50
    sample['keypoint_score'] = np.arange(2 * 50 * 25, dtype=np.float32)\
        .reshape(2, 50, 25)
    for transform in (MotionAttentionTemporalMasking(seed=0),
                      RandomTemporalMasking(seed=0)):
        out = run(transform, sample)
        assert out['total_frames'] == 30
        np.testing.assert_array_equal(
            out['keypoint_score'],
            sample['keypoint_score'][:, out['kept_frames']])


@pytest.mark.parametrize('transform, needed', [
    (MotionAttentionTemporalMasking(seed=0), 21),
    (RandomTemporalMasking(seed=0), 21),
    (MotionAttentionTemporalMasking(num_attention=5, num_random=3,
                                    seed=0), 9),
])
def test_too_few_frames(transform, needed):
    sample = make_sample(t=needed - 1, name='S017C003P020R002A060')
    with pytest.raises(ValueError) as info:
        run(transform, sample)
    message = str(info.value)
    assert 'S017C003P020R002A060' in message
    assert f'T={needed - 1}' in message
    assert f'{needed} frames' in message
    # Exactly enough frames: one is kept.
    out = run(transform, make_sample(t=needed))
    assert out['keypoint'].shape[1] == 1


# ------------------------------------------------- reproducibility (all 4)

FACTORIES = {
    'csm': lambda seed: CentralSpatialMasking(seed=seed),
    'csm_reference': lambda seed: CentralSpatialMasking(
        mode='reference', seed=seed),
    'rsm': lambda seed: RandomSpatialMasking(seed=seed),
    'matm': lambda seed: MotionAttentionTemporalMasking(seed=seed),
    'rtm': lambda seed: RandomTemporalMasking(seed=seed),
}


def outputs(transform, n=6):
    sample = make_sample()
    key = 'joint_mask' if 'Spatial' in type(transform).__name__ \
        else 'kept_frames'
    return [run(transform, sample)[key] for _ in range(n)]


@pytest.mark.parametrize('name', sorted(FACTORIES))
def test_reproducible_from_seed_not_global_rng(name):
    make = FACTORIES[name]
    np.random.seed(0)
    first = outputs(make(7))
    np.random.seed(1)
    state = np.random.get_state()
    again = outputs(make(7))
    after = np.random.get_state()
    other = outputs(make(8))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))
    assert any(not np.array_equal(first[0], b) for b in first[1:])
    np.testing.assert_array_equal(after[1], state[1])
    assert after[2:] == state[2:]


def test_registered_and_buildable():
    for cfg in [dict(type='CentralSpatialMasking', num_masked=9),
                dict(type='CentralSpatialMasking', mode='reference'),
                dict(type='RandomSpatialMasking', num_masked=9),
                dict(type='MotionAttentionTemporalMasking'),
                dict(type='RandomTemporalMasking', num_removed=20)]:
        transform = build(dict(cfg, seed=0))
        assert type(transform).__name__ == cfg['type']
        assert cfg['type'] in repr(transform)


# ------------------------------------------------------------ 2-D keypoints


def test_matm_2d_measures_the_motion_of_x_and_y_only():
    """With the score as a third channel, its changes are no motion."""
    rng = np.random.default_rng(0)
    xy = np.cumsum(rng.normal(scale=0.05, size=(2, 50, 17, 2)), axis=1)
    # A score that jumps at a few frames, so that it would decide there.
    score = np.isin(np.arange(50), [5, 17, 33])[None, :, None, None] * \
        np.ones((2, 50, 17, 1))
    keypoint = np.concatenate([xy, 50 * score], axis=-1).astype(np.float32)
    sample = dict(keypoint=keypoint, frame_dir='pose2d', layout='coco',
                  coordinates=2)
    plain = dict(sample, keypoint=np.ascontiguousarray(keypoint[..., :2]))
    del plain['coordinates']
    for seed in range(5):
        out = run(MotionAttentionTemporalMasking(seed=seed), sample)
        same = run(MotionAttentionTemporalMasking(seed=seed), plain)
        np.testing.assert_array_equal(out['kept_frames'], same['kept_frames'])
        # Every channel of the kept frames is kept.
        np.testing.assert_array_equal(out['keypoint'],
                                      keypoint[:, out['kept_frames']])
        given = dict(sample)
        del given['coordinates']
        np.testing.assert_array_equal(
            run(MotionAttentionTemporalMasking(coordinates=2, seed=seed),
                given)['kept_frames'], out['kept_frames'])
    # Unnamed, the score's jumps are taken for motion: other frames.
    assert not np.array_equal(
        lowest_motion_frames(keypoint, 10),
        lowest_motion_frames(keypoint[..., :2], 10))
    assert 'coordinates=None' in repr(MotionAttentionTemporalMasking())


def test_csm_removes_6_of_the_17_coco_joints_whatever_c():
    csm = CentralSpatialMasking(seed=0)
    for channels in (2, 3):
        sample = dict(keypoint=np.zeros((2, 4, 17, channels), np.float32),
                      frame_dir='pose2d', layout='coco', coordinates=2)
        for _ in range(20):
            mask = csm(dict(sample))['joint_mask']
            assert mask.shape == (17, ) and mask.sum() == 6
