"""NW-UCLA converter (:mod:`pstl_mm.converters.nw_ucla`): the real archive
(shared folder) and synthetic ones, through the API and the command line."""
import io
import json
import pickle
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest
from mmengine.registry import init_default_scope

from pstl_mm.converters import nw_ucla
from pstl_mm.converters.cli import main as convert_main
from pstl_mm.converters.normalize import normalize_sequence
from pstl_mm.converters.nw_ucla import NWUCLAFormatError
from pstl_mm.datasets.safe_pickle import safe_load

from tests.conftest import SHARED_DIR, need_shared

ARCHIVE = SHARED_DIR / 'data' / 'nw_ucla' / 'nw_ucla_all_sqe.tgz'
CENTRE, LEFT_SHOULDER, RIGHT_SHOULDER = 2, 4, 8
TRAIN_COUNTS = [102, 102, 96, 124, 101, 102, 99, 99, 98, 97]
VAL_COUNTS = [48, 50, 45, 49, 47, 47, 43, 43, 47, 45]
ONE_FRAME = ('a02_s09_e04_v02', 'a02_s09_e04_v03')


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


@pytest.fixture(scope='module')
def real(tmp_path_factory):
    """The real archive converted once (into a temporary folder)."""
    need_shared(ARCHIVE)
    out = tmp_path_factory.mktemp('nw_ucla')
    start = time.perf_counter()
    summary = nw_ucla.convert(str(ARCHIVE), str(out), progress=False)
    seconds = time.perf_counter() - start
    data = safe_load(str(out / 'nw_ucla_pstl.pkl'))
    return out, summary.files, summary, data, seconds


def test_real_counts_and_splits(real):
    out, files, summary, data, seconds = real
    assert seconds < 60, f'conversion took {seconds:.1f} s'
    assert summary.written == 1484 and not summary.skipped
    split = data['split']
    assert sorted(split) == ['xview_train', 'xview_val']
    assert len(split['xview_train']) == 1020
    assert len(split['xview_val']) == 464
    assert all(n.endswith(('_v01', '_v02')) for n in split['xview_train'])
    assert all(n.endswith('_v03') for n in split['xview_val'])
    labels = {a['frame_dir']: a['label'] for a in data['annotations']}
    for name, counts in (('xview_train', TRAIN_COUNTS),
                         ('xview_val', VAL_COUNTS)):
        hist = np.bincount([labels[n] for n in split[name]], minlength=10)
        assert hist.tolist() == counts
    assert (np.load(out / 'xview' / 'train_data_joint.npy', mmap_mode='r')
            .shape == (1020, 3, 50, 20, 1))
    assert str(out / 'xview' / 'val_label.pkl') in files


def test_real_keypoints(real):
    _, _, _, data, _ = real
    for ann in data['annotations']:
        kp = ann['keypoint']
        assert kp.shape == (1, 50, 20, 3) and kp.dtype == np.float32
        assert np.isfinite(kp).all()
        assert ann['total_frames'] == 50
        assert 0 <= ann['label'] <= 9
        # The centre joint (shoulder centre) is at 0 in every frame.
        np.testing.assert_allclose(kp[0, :, CENTRE], 0, atol=1e-6)
        if ann['original_frames'] <= 50:  # frame 0 = first valid frame
            shoulders = kp[0, 0, RIGHT_SHOULDER] - kp[0, 0, LEFT_SHOULDER]
            assert shoulders[0] > 0
            np.testing.assert_allclose(shoulders[1:], 0, atol=1e-5)
    anns = {a['frame_dir']: a for a in data['annotations']}
    for name in ONE_FRAME:
        kp = anns[name]['keypoint']
        assert anns[name]['original_frames'] == 1
        assert (kp == kp[:, :1]).all()


def test_real_clip_equals_oracle(real):
    """Decode two members independently and preprocess them."""
    _, _, _, data, _ = real
    anns = {a['frame_dir']: a for a in data['annotations']}
    wanted = {'all_sqe/a01_s01_e00_v01.json', 'all_sqe/a12_s10_e04_v03.json'}
    found = 0
    with tarfile.open(ARCHIVE, 'r:gz') as tar:
        for name in sorted(wanted):
            obj = json.load(tar.extractfile(name))
            skel = np.asarray(obj['skeletons'], np.float64)[None]
            oracle, n = normalize_sequence(skel, 'kinect_v1', 50)
            ann = anns[obj['file_name']]
            np.testing.assert_array_equal(ann['keypoint'], oracle)
            assert ann['original_frames'] == n == skel.shape[1]
            assert ann['label'] == obj['label'] - 1
            found += 1
    assert found == 2


def test_real_check_passes(real, capsys):
    out = real[0]
    assert convert_main(['nw_ucla', '--out-dir', str(out), '--check']) == 0
    text = capsys.readouterr().out
    assert 'xview_train: 1020 clips' in text and 'check: OK' in text
    report = nw_ucla.check(str(out))
    assert report.ok and len(report.lines) == 3
    assert report.lines[2].startswith('xview_val: 464 clips OK')


# Synthetic archives -------------------------------------------------------


def clip_json(name, label, frames=3, seed=0):
    rng = np.random.default_rng(seed)
    skel = rng.normal(size=(frames, 20, 3)) + np.array([0, 0, 3.0])
    return json.dumps(dict(file_name=name, skeletons=skel.tolist(),
                           label=label)).encode()


class _CreatesAFile:
    """Its unpickling would create a file (a stand-in for running code)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


def make_tgz(path, members):
    """A .tgz with ``{member name: bytes}``."""
    with tarfile.open(path, 'w:gz') as tar:
        for name, raw in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return path


def good_members(tmp_path):
    return {
        'all_sqe/a01_s01_e00_v01.json': clip_json('a01_s01_e00_v01', 1),
        'all_sqe/a03_s02_e01_v02.json': clip_json('a03_s02_e01_v02', 3, 1,
                                                   1),
        'all_sqe/a12_s03_e00_v03.json': clip_json('a12_s03_e00_v03', 10),
        'val_label.pkl': pickle.dumps(_CreatesAFile(str(tmp_path /
                                                        'pwned.txt'))),
    }


def test_synthetic_archive_and_folder(tmp_path):
    members = good_members(tmp_path)
    tgz = make_tgz(tmp_path / 'ucla.tgz', members)
    out = tmp_path / 'out'
    summary = nw_ucla.convert(str(tgz), str(out), progress=False)
    assert summary.written == 3 and summary.skipped == []
    assert not (tmp_path / 'pwned.txt').exists()  # the pickle is ignored
    data = safe_load(str(out / 'nw_ucla_pstl.pkl'))
    assert data['split'] == {
        'xview_train': ['a01_s01_e00_v01', 'a03_s02_e01_v02'],
        'xview_val': ['a12_s03_e00_v03']}
    assert [a['label'] for a in data['annotations']] == [0, 2, 9]
    one = data['annotations'][1]
    assert one['original_frames'] == 1
    assert (one['keypoint'] == one['keypoint'][:, :1]).all()
    # The same files in a folder holding all_sqe/.
    folder = tmp_path / 'src' / 'all_sqe'
    folder.mkdir(parents=True)
    for name, raw in members.items():
        if name.endswith('.json'):
            (folder / Path(name).name).write_bytes(raw)
    out2 = tmp_path / 'out2'
    nw_ucla.convert(str(folder.parent), str(out2), progress=False)
    data2 = safe_load(str(out2 / 'nw_ucla_pstl.pkl'))
    assert data2['split'] == data['split']
    for a, b in zip(data['annotations'], data2['annotations']):
        np.testing.assert_array_equal(a['keypoint'], b['keypoint'])


@pytest.mark.parametrize('raw, message', [
    (b'{"file_name": "a02_s01_e00_v01", "skeletons": [[[0, 0',
     'not valid JSON'),
    (b'[1, 2]', 'expected a JSON object'),
    (b'{"file_name": "a02_s01_e00_v01", "label": 2}', 'missing key'),
    (clip_json('a02_s01_e00_v02', 2), 'differs from the file name'),
    (clip_json('a02_s01_e00_v01', 3), 'does not match action a02'),
    (clip_json('a02_s01_e00_v01', 11), 'not an integer in 1..10'),
    (json.dumps(dict(file_name='a02_s01_e00_v01', label=2,
                     skeletons=[[[0.0, 1.0, 2.0]] * 19])).encode(),
     r'shape \(T, 20, 3\)'),
    (json.dumps(dict(file_name='a02_s01_e00_v01', label=2,
                     skeletons=[])).encode(), 'non-empty list'),
])
def test_malformed_member_is_named(tmp_path, raw, message):
    members = good_members(tmp_path)
    bad = 'all_sqe/a02_s01_e00_v01.json'
    members[bad] = raw
    tgz = make_tgz(tmp_path / 'bad.tgz', members)
    with pytest.raises(NWUCLAFormatError, match=message) as err:
        nw_ucla.convert(str(tgz), str(tmp_path / 'out'), progress=False)
    assert f'{tgz}:{bad}' in str(err.value)
    assert not (tmp_path / 'out').exists()


def test_cli_errors(tmp_path, capsys):
    members = good_members(tmp_path)
    members['all_sqe/a02_s01_e00_v01.json'] = b'{oops'
    tgz = make_tgz(tmp_path / 'bad.tgz', members)
    assert convert_main(['nw_ucla', '--src', str(tgz), '--out-dir',
                         str(tmp_path / 'out'), '--no-progress']) == 2
    assert 'a02_s01_e00_v01.json' in capsys.readouterr().err
    not_tar = tmp_path / 'x.tgz'
    not_tar.write_bytes(b'not an archive')
    assert convert_main(['nw_ucla', '--src', str(not_tar), '--out-dir',
                         str(tmp_path / 'out')]) == 2
    assert 'not a readable tar archive' in capsys.readouterr().err
    empty = make_tgz(tmp_path / 'empty.tgz', {'readme.txt': b'hi'})
    assert convert_main(['nw_ucla', '--src', str(empty), '--out-dir',
                         str(tmp_path / 'out')]) == 2
    assert 'no all_sqe/*.json' in capsys.readouterr().err
    assert not (tmp_path / 'out').exists()
    # --check on a folder without a conversion.
    assert convert_main(['nw_ucla', '--out-dir', str(tmp_path / 'none'),
                         '--check']) == 1
    assert 'PROBLEM' in capsys.readouterr().out
    # Neither a source nor --check.
    assert convert_main(['nw_ucla', '--out-dir', str(tmp_path / 'none')]) == 2
    assert 'give --src' in capsys.readouterr().err
    # Convert a good archive and check it; then break the npy file.
    tgz = make_tgz(tmp_path / 'good.tgz', good_members(tmp_path))
    out = tmp_path / 'good'
    assert convert_main(['nw_ucla', '--src', str(tgz), '--out-dir', str(out),
                         '--check', '--no-progress']) == 0
    assert 'samples written: 3' in capsys.readouterr().out
    npy = out / 'xview' / 'train_data_joint.npy'
    np.save(npy, np.zeros((2, 3, 50, 20, 1), np.float32))
    assert convert_main(['nw_ucla', '--out-dir', str(out), '--check']) == 1
    assert f'PROBLEM: {npy}' in capsys.readouterr().out
