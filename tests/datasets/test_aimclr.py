"""The ``aimclr`` preprocessing against what the CrosSCLR/AimCLR scripts,
run unmodified, made of the real NTU and PKU-MMD samples of the shared
folder (``reference/aimclr_{ntu,pku}_preprocess.pt``): the converters, and
:class:`AimCLRPreprocess` on an MMAction2-style pickle of the raw clips."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from pstl_mm.converters import ntu, pku_mmd
from pstl_mm.datasets import PSTLSkeletonDataset
from pstl_mm.datasets.safe_pickle import safe_load

from tests.conftest import SHARED_DIR, need_shared

NTU_DIR = SHARED_DIR / 'data' / 'ntu_samples'
PKU_DIR = SHARED_DIR / 'data' / 'pku_mmd_samples'
REFERENCE = SHARED_DIR / 'reference'
ATOL = 1e-5  # float32 rounding of the scripts' cv2/float32 arithmetic


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


def load_reference(name):
    """A reference dict, arrays as (N, M, T, V, C) numpy."""
    ref = torch.load(need_shared(REFERENCE / f'aimclr_{name}_preprocess.pt'),
                     weights_only=True)
    out = dict(ref)
    for key in ('raw', 'position'):
        out[key] = ref[key].numpy().transpose(0, 4, 2, 3, 1)
    out['label'] = ref['label'].tolist()
    out['length'] = ref['length'].tolist()
    return out


def convert(module, src, out, **options):
    """Convert with the default options; summary and annotations by name."""
    summary = module.convert(str(src), str(out), progress=False, **options)
    pkl = next(f for f in summary.files if f.endswith('.pkl'))
    return summary, {a['frame_dir']: a for a in safe_load(pkl)['annotations']}


@pytest.fixture(scope='module')
def ntu_converted(tmp_path_factory):
    need_shared(NTU_DIR)
    return convert(ntu, NTU_DIR, tmp_path_factory.mktemp('ntu60'),
                   dataset='ntu60')


@pytest.fixture(scope='module')
def pku_converted(tmp_path_factory):
    need_shared(PKU_DIR)
    return convert(pku_mmd, PKU_DIR, tmp_path_factory.mktemp('pku1'),
                   part=1)


def max_position_error(anns, ref):
    """Max |converted - reference| over every sample, checking names,
    labels and lengths on the way."""
    assert sorted(anns) == ref['names']
    worst = 0.0
    for i, name in enumerate(ref['names']):
        ann = anns[name]
        assert ann['label'] == ref['label'][i], name
        assert ann['original_frames'] == ref['length'][i], name
        assert ann['keypoint'].shape == (2, 50, 25, 3)
        worst = max(worst, float(np.abs(ann['keypoint'] -
                                        ref['position'][i]).max()))
    return worst


def test_ntu_positions_equal_the_scripts(ntu_converted):
    ref = load_reference('ntu')
    summary, anns = ntu_converted
    assert max_position_error(anns, ref) < ATOL
    assert np.abs(ref['position']).max() > 1.2  # the data's scale
    # The 3 empty files are on the official list, skipped as there.
    listed = NTU_DIR / 'NTU_RGBD_samples_with_missing_skeletons.txt'
    assert summary.skipped == [
        (item['name'], f'listed in {listed} (missing skeletons)')
        for item in ref['skipped']]
    assert summary.written == 12


def test_ntu_body_slots_equal_the_scripts_raw_arrays():
    ref = load_reference('ntu')
    for i, name in enumerate(ref['names']):
        slots = ntu.read_skeleton_file(NTU_DIR / f'{name}.skeleton')['slots']
        t = slots.shape[1]
        np.testing.assert_array_equal(slots, ref['raw'][i][:, :t])
        assert not ref['raw'][i][:, t:].any()


def test_ntu_per_frame_rotation_sign_quirk(ntu_converted):
    """S004C002P003R001A017, body 0: the sign of the y rotation is chosen
    once for the clip, so frames 20-36, whose own shoulder vector points
    the other way in z, are turned away from +x instead of onto it."""
    _, anns = ntu_converted
    body = anns['S004C002P003R001A017']['keypoint'][0]
    shoulders = body[:, 8] - body[:, 4]
    off_x = np.degrees(np.abs(np.arctan2(shoulders[:, 2], shoulders[:, 0])))
    turned_away = np.flatnonzero(off_x > 5)
    assert turned_away.tolist() == list(range(20, 37))
    assert off_x[turned_away].min() > 9.5
    assert np.delete(off_x, turned_away).max() < 0.9


def test_pku_positions_equal_the_scripts(pku_converted):
    ref = load_reference('pku')
    summary, anns = pku_converted
    assert max_position_error(anns, ref) < ATOL
    assert summary.written == 31


def test_pku_body_slots_equal_the_scripts_raw_arrays():
    ref = load_reference('pku')
    videos = {}
    for i, src in enumerate(ref['source']):
        video = src['video']
        if video not in videos:
            videos[video] = pku_mmd.read_skeleton_file(
                str(PKU_DIR / 'PKU_Skeleton_Renew' / f'{video}.txt'))[0]
        slots = pku_mmd.aimclr_body_slots(
            videos[video][src['start'] - 1:src['end']])
        assert slots.shape[1] == src['n_frames']
        np.testing.assert_array_equal(slots,
                                      ref['raw'][i][:, :src['n_frames']])
        assert pku_mmd.aimclr_clip_name(video, 1, src['class_1based'],
                                        src['label_row']) == ref['names'][i]


def test_pku_interior_gap_is_kept(pku_converted):
    """F036V001C016L006: frames 60-79 of its 96 are empty; the length is
    76 and the prefix of 76 frames keeps the gap (output frames 39-49 are
    zero) and drops the clip's last 20 real frames."""
    _, anns = pku_converted
    ann = anns['F036V001C016L006']
    assert ann['original_frames'] == 76
    empty = np.flatnonzero(~ann['keypoint'].any(axis=(0, 2, 3)))
    assert empty.tolist() == list(range(39, 50))


# MMAction2's own pickles --------------------------------------------------


def mmaction_pickle(path, ref):
    """An ``ntu60_3d.pkl``-style pickle of the raw clips: ``keypoint`` (M,
    T, 25, 3) in metres, T the clip's frames, M the bodies present."""
    annotations = []
    for i, name in enumerate(ref['names']):
        raw = ref['raw'][i]
        frames = int(np.flatnonzero(raw.any(axis=(0, 2, 3))).max()) + 1
        persons = int(raw.any(axis=(1, 2, 3)).sum())
        annotations.append(dict(
            frame_dir=name, label=ref['label'][i], total_frames=frames,
            keypoint=np.ascontiguousarray(raw[:persons, :frames])))
    split = dict(xsub_train=list(ref['names']))
    path.write_bytes(pickle.dumps(dict(split=split,
                                       annotations=annotations)))
    return annotations


@pytest.mark.parametrize('name', ['ntu', 'pku'])
def test_transform_on_an_mmaction_pickle_equals_the_converter(
        tmp_path, ntu_converted, pku_converted, name):
    ref = load_reference(name)
    anns = dict(ntu=ntu_converted, pku=pku_converted)[name][1]
    clips = mmaction_pickle(tmp_path / 'skeleton.pkl', ref)
    assert {c['keypoint'].shape[0] for c in clips} == {1, 2}
    assert len({c['keypoint'].shape[1] for c in clips}) > 5
    dataset = PSTLSkeletonDataset(
        ann_file=str(tmp_path / 'skeleton.pkl'), split='xsub_train',
        pipeline=[dict(type='AimCLRPreprocess')])
    worst_converter = worst_reference = 0.0
    for i in range(len(dataset)):
        out = dataset[i]
        name_i = out['frame_dir']
        assert out['keypoint'].shape == (2, 50, 25, 3)
        assert out['keypoint'].dtype == np.float32
        assert out['original_frames'] == ref['length'][i]
        assert out['total_frames'] == 50
        worst_converter = max(worst_converter, float(np.abs(
            out['keypoint'] - anns[name_i]['keypoint']).max()))
        worst_reference = max(worst_reference, float(np.abs(
            out['keypoint'] - ref['position'][i]).max()))
        # deterministic: the same output again
        np.testing.assert_array_equal(dataset[i]['keypoint'],
                                      out['keypoint'])
    assert worst_converter < ATOL and worst_reference < ATOL
