"""MultiView and its generators (transforms/views.py and seeded.py)."""
import hashlib
import struct

import numpy as np
import pytest
from mmengine.logging import MessageHub

from pstl_mm.datasets.transforms import (CentralSpatialMasking,
                                         MotionAttentionTemporalMasking,
                                         PartialBodyOcclusion, SkeletonFlip,
                                         SkeletonRotate, SkeletonShear,
                                         TemporalPadCrop)
from pstl_mm.datasets.transforms.seeded import KeyedGenerator
from pstl_mm.datasets.transforms.views import VIEW_STREAM

from tests.conftest import build, make_sample

SEED = 3
AUGMENT = [
    dict(type='TemporalPadCrop', seed=SEED),
    dict(type='SkeletonShear', seed=SEED),
    dict(type='SkeletonRotate', seed=SEED),
    dict(type='SkeletonFlip', seed=SEED),
]
VIEWS = dict(
    anchor=AUGMENT,
    spatial=AUGMENT + [dict(type='CentralSpatialMasking', seed=SEED)],
    temporal=AUGMENT + [dict(type='MotionAttentionTemporalMasking',
                             seed=SEED)])


def fresh_views(seed=SEED):
    """The transforms of ``VIEWS``, built directly, with ``seed``."""
    augment = [TemporalPadCrop(seed=seed), SkeletonShear(seed=seed),
               SkeletonRotate(seed=seed), SkeletonFlip(seed=seed)]
    return dict(
        anchor=augment,
        spatial=augment + [CentralSpatialMasking(seed=seed)],
        temporal=augment + [MotionAttentionTemporalMasking(seed=seed)])


def multiview(views=VIEWS, **kwargs):
    return build(dict(type='MultiView', views=views, **kwargs))


def sample(idx=None):
    out = make_sample()
    if idx is not None:
        out['sample_idx'] = idx
    return out


def pcg64_generator(key):
    """A new generator in the state documented for ``key``."""
    digest = hashlib.blake2b(
        struct.pack(f'<{len(key)}Q', *key), digest_size=32).digest()
    bit_generator = np.random.PCG64()
    bit_generator.state = {
        'bit_generator': 'PCG64',
        'state': {
            'state': int.from_bytes(digest[:16], 'little'),
            'inc': int.from_bytes(digest[16:], 'little') | 1,
        },
        'has_uint32': 0,
        'uinteger': 0,
    }
    return np.random.Generator(bit_generator)


def run_view(transforms, keypoint, rng):
    """Apply ``transforms`` one after the other, all drawing from ``rng``."""
    results = dict(keypoint=keypoint.copy(), frame_dir='reference',
                   layout='nturgb+d')
    for transform in transforms:
        results = transform.apply(results, rng)
    return results


@pytest.fixture
def epoch():
    """Set MMEngine's epoch (``epoch(3)``); restored to 0 afterwards."""
    hub = MessageHub.get_current_instance()
    yield lambda value: hub.update_info('epoch', value)
    hub.update_info('epoch', 0)


# ------------------------------------------------------- KeyedGenerator


def test_keyed_generator_state_is_the_blake2b_hash_of_the_key():
    key = [SEED, 0, 17, VIEW_STREAM, 2]
    keyed = KeyedGenerator()
    state = keyed.restart(key).bit_generator.state
    digest = hashlib.blake2b(struct.pack('<5Q', *key),
                             digest_size=32).digest()
    assert state['state']['state'] == int.from_bytes(digest[:16], 'little')
    assert state['state']['inc'] == int.from_bytes(digest[16:],
                                                   'little') | 1
    assert state['has_uint32'] == 0
    expected = pcg64_generator(key).random(6)
    np.testing.assert_array_equal(keyed.restart(key).random(6), expected)
    # A restart forgets everything drawn before, a buffered 32-bit half too.
    keyed.restart([1]).integers(0, 2**32, size=3, dtype=np.uint32)
    np.testing.assert_array_equal(keyed.restart(key).random(6), expected)
    other = keyed.restart([SEED, 0, 18, VIEW_STREAM, 2]).random(6)
    assert not np.array_equal(other, expected)


def test_keyed_generator_needs_64_bit_unsigned_words():
    keyed = KeyedGenerator()
    keyed.restart([0, 2**64 - 1])
    for key in ([-1], [2**64]):
        with pytest.raises(ValueError, match=r'\[0, 2\*\*64\)'):
            keyed.restart(key)


# ------------------------------------------------------------ MultiView


def view(out, name):
    """The keypoint array (M, T, V, C) of view ``name`` in ``out``."""
    return out['views'][name]['keypoint']


def test_view_v_draws_from_the_generator_of_its_key(epoch):
    epoch(3)
    out = multiview()(sample(idx=5))
    keypoint = make_sample()['keypoint']
    for v, (name, transforms) in enumerate(fresh_views().items()):
        rng = pcg64_generator([SEED, 3, 5, VIEW_STREAM, v])
        expected = run_view(transforms, keypoint, rng)
        np.testing.assert_array_equal(view(out, name), expected['keypoint'])
        if 'joint_mask' in expected:
            np.testing.assert_array_equal(out['views'][name]['joint_mask'],
                                          expected['joint_mask'])
        if 'kept_frames' in expected:
            np.testing.assert_array_equal(out['views'][name]['kept_frames'],
                                          expected['kept_frames'])
    assert out['views']['spatial']['joint_mask'].sum() == 9
    assert view(out, 'temporal').shape == (2, 30, 25, 3)
    assert out['views']['temporal']['kept_frames'].shape == (30, )


def test_views_depend_on_seed_epoch_and_sample_only(epoch):
    first, second = multiview(), multiview()
    a = first(sample(idx=5))
    for idx in (2, 9, 5):  # other samples drawn in between change nothing
        first(sample(idx=idx))
    b = second(sample(idx=5))
    c = first(sample(idx=5))
    for name in VIEWS:
        np.testing.assert_array_equal(view(a, name), view(b, name))
        np.testing.assert_array_equal(view(a, name), view(c, name))
    assert not np.array_equal(view(a, 'anchor'), view(a, 'spatial'))
    other_sample = first(sample(idx=6))
    epoch(4)
    other_epoch = first(sample(idx=5))
    reseeded = multiview({
        name: [dict(cfg, seed=SEED + 1) for cfg in cfgs]
        for name, cfgs in VIEWS.items()
    })(sample(idx=5))
    for other in (other_sample, other_epoch, reseeded):
        for name in VIEWS:
            assert not np.array_equal(view(a, name), view(other, name)), name


def test_views_leave_the_callers_sample_and_global_rng_alone():
    results = sample(idx=1)
    results['keypoint_score'] = np.ones((2, 50, 25), np.float32)
    results['joint_mask'] = np.arange(25) % 4 == 0
    copies = {k: np.copy(v) for k, v in results.items()
              if isinstance(v, np.ndarray)}
    keys = set(results)
    np.random.seed(0)
    state = np.random.get_state()
    out = multiview()(results)
    after = np.random.get_state()
    assert set(results) == keys
    for key, value in copies.items():
        np.testing.assert_array_equal(results[key], value)
    assert not np.shares_memory(view(out, 'anchor'), results['keypoint'])
    np.testing.assert_array_equal(after[1], state[1])
    assert after[2:] == state[2:]
    np.random.seed(1)
    again = multiview()(sample(idx=1))
    np.testing.assert_array_equal(view(again, 'anchor'), view(out, 'anchor'))
    assert out['frame_dir'] == results['frame_dir'] and 'keypoint' not in out


def test_share_batch_gives_a_group_the_same_views(epoch):
    epoch(2)
    views = multiview(share_batch=4)
    outs = [views(sample(idx=100 + 7 * i)) for i in range(8)]
    for name in VIEWS:
        for i in (1, 2, 3):
            np.testing.assert_array_equal(
                view(outs[i], name), view(outs[0], name))
            np.testing.assert_array_equal(
                view(outs[4 + i], name), view(outs[4], name))
        assert not np.array_equal(view(outs[0], name), view(outs[4], name))
    # Group g of the main process (worker -1): key (seed, epoch, 0, g, ...).
    keypoint = make_sample()['keypoint']
    for group, out in ((0, outs[0]), (1, outs[4])):
        rng = pcg64_generator([SEED, 2, 0, group, VIEW_STREAM, 0])
        expected = run_view(fresh_views()['anchor'], keypoint, rng)
        np.testing.assert_array_equal(
            view(out, 'anchor'), expected['keypoint'])
    # The count restarts with the epoch.
    epoch(3)
    restarted = views(sample(idx=1))
    rng = pcg64_generator([SEED, 3, 0, 0, VIEW_STREAM, 0])
    expected = run_view(fresh_views()['anchor'], keypoint, rng)
    np.testing.assert_array_equal(
        view(restarted, 'anchor'), expected['keypoint'])


def test_without_sample_idx_each_transform_continues_its_own_stream():
    views = multiview()
    outs = [views(sample()) for _ in range(3)]
    for v, (name, transforms) in enumerate(fresh_views().items()):
        for position, transform in enumerate(transforms):
            transform.set_stream(v, position)
        for out in outs:
            results = dict(keypoint=make_sample()['keypoint'],
                           layout='nturgb+d')
            for transform in transforms:
                results = transform(results)
            np.testing.assert_array_equal(view(out, name), results['keypoint'])
    assert not np.array_equal(view(outs[0], 'anchor'), view(outs[1], 'anchor'))


def test_a_transform_keyed_otherwise_keeps_its_own_generator(epoch):
    occlusion = dict(type='PartialBodyOcclusion', level=4, seed=SEED)
    views = multiview(dict(anchor=AUGMENT[:1] + [occlusion]))
    alone = PartialBodyOcclusion(level=4, seed=SEED)
    alone.set_stream(0, 1)
    hidden = []
    for value in (0, 5):  # its draws do not depend on the epoch
        epoch(value)
        out = views(sample(idx=8))
        zero = np.flatnonzero(np.all(view(out, 'anchor') == 0, axis=(0, 1, 3)))
        hidden.append(zero.tolist())
    expected = alone(sample(idx=8))['occluded_joints']
    assert hidden == [expected, expected] and len(expected) == 4
