"""PSTLUniformSampleFrames: MMAction2's UniformSampleFrames, seeded
(pstl_mm/datasets/transforms/sampling.py)."""
import numpy as np
import pytest
from mmaction.datasets.transforms import PoseDecode, UniformSampleFrames

from pstl_mm.datasets.transforms import PSTLUniformSampleFrames

from tests.conftest import build


def frames(transform, total, n, **extra):
    """``frame_inds`` of ``n`` calls on a clip of ``total`` frames."""
    return np.stack([
        transform(dict(total_frames=total, start_index=0, **extra))
        ['frame_inds'] for _ in range(n)
    ])


@pytest.mark.parametrize('total', [7, 37, 50, 64, 99, 100, 300])
def test_the_distribution_of_mmaction2s_training_mode(total):
    """Every regime (looped, gaps dropped, one frame per segment): the
    frames' frequencies are those of MMAction2's transform."""
    ours = frames(PSTLUniformSampleFrames(50, seed=3), total, 3000)
    np.random.seed(0)
    theirs = frames(UniformSampleFrames(50), total, 3000)
    assert ours.shape == theirs.shape == (3000, 50)
    assert ours.dtype == theirs.dtype == np.int32
    assert ours.min() >= 0 and ours.max() < total
    # How often each frame sits at each of the 50 positions.
    for sample in (ours, theirs):
        if total >= 50:
            assert np.all(np.diff(sample, axis=1) > 0)
        if total >= 100:
            bounds = np.arange(51) * total // 50
            assert np.all(sample >= bounds[:-1]) and np.all(
                sample < bounds[1:])
    freq = [np.stack([np.bincount(s[:, k], minlength=total) / len(s)
                      for k in range(50)]) for s in (ours, theirs)]
    assert np.abs(freq[0] - freq[1]).max() < 0.06
    np.testing.assert_allclose(ours.mean(0), theirs.mean(0), atol=0.1 *
                               max(1, total / 50) + 0.6)


def test_a_short_clip_is_looped_from_a_random_start():
    out = frames(PSTLUniformSampleFrames(10, seed=0), 4, 200)
    starts = out[:, 0]
    for row, start in zip(out, starts):
        np.testing.assert_array_equal(row, (start + np.arange(10)) % 4)
    assert set(starts.tolist()) == {0, 1, 2, 3}


def test_seeded_per_sample_not_global():
    make = lambda seed: PSTLUniformSampleFrames(50, seed=seed)  # noqa: E731
    np.random.seed(0)
    state = np.random.get_state()
    first = [frames(make(7), 120, 1, sample_idx=i)[0] for i in range(6)]
    after = np.random.get_state()
    np.testing.assert_array_equal(after[1], state[1])
    np.random.seed(1)
    again = [frames(make(7), 120, 1, sample_idx=i)[0] for i in range(6)]
    other = [frames(make(8), 120, 1, sample_idx=i)[0] for i in range(6)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))
    assert any(not np.array_equal(first[0], b) for b in first[1:])


def test_pose_decode_takes_the_frames_of_keypoint_and_score():
    rng = np.random.default_rng(0)
    keypoint = rng.normal(size=(2, 73, 17, 2)).astype(np.float32)
    score = rng.uniform(size=(2, 73, 17)).astype(np.float32)
    sample = dict(keypoint=keypoint, keypoint_score=score, total_frames=73,
                  start_index=0, sample_idx=4)
    out = PoseDecode()(PSTLUniformSampleFrames(50, seed=0)(sample))
    inds = out['frame_inds']
    assert out['keypoint'].shape == (2, 50, 17, 2)
    np.testing.assert_array_equal(out['keypoint'], keypoint[:, inds])
    np.testing.assert_array_equal(out['keypoint_score'], score[:, inds])


def test_built_from_its_config():
    transform = build(dict(type='PSTLUniformSampleFrames', clip_len=50,
                           seed=1))
    assert repr(transform) == ('PSTLUniformSampleFrames(clip_len=50, '
                               'num_clips=1, seed=1)')
    assert not transform.test_mode
    with pytest.raises(ValueError, match='clip_len and num_clips'):
        PSTLUniformSampleFrames(0)
    two = frames(PSTLUniformSampleFrames(20, num_clips=2, seed=0), 100, 1)
    assert two.shape == (1, 40)
