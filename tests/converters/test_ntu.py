"""NTU raw ``.skeleton`` conversion (:mod:`pstl_mm.converters.ntu`):
parsing, body choice, the ``normalize`` preprocessing, splits, skipped
files, ``check``, the command line, determinism and atomic writes, on
hand-made files (the ``aimclr`` preprocessing on the real files:
``tests/datasets/test_aimclr.py``)."""
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from pstl_mm.converters import ntu, writers
from pstl_mm.converters.cli import main as convert_main
from pstl_mm.converters.interface import ConversionError
from pstl_mm.converters.ntu import (SkeletonFileError, choose_bodies,
                                    make_splits, motion_energy, parse_name,
                                    read_skeleton_file)
from pstl_mm.datasets import PSTLSkeletonDataset

LEFT, RIGHT, CENTRE, HEAD = 4, 8, 20, 3  # 0-based NTU joints
SHOULDER = np.array([0.0, 0.0, 0.4])  # right - left shoulder in the fixtures


# --------------------------------------------------------------------------
# fixtures in the raw format
# --------------------------------------------------------------------------
def format_skeleton(frames):
    """Text of a raw ``.skeleton`` file.

    Args:
        frames (list[list[tuple]]): per frame, the bodies as
            ``(body_id, xyz (25, 3))``.
    """
    lines = [str(len(frames))]
    for bodies in frames:
        lines.append(str(len(bodies)))
        for body_id, xyz in bodies:
            lines.append(f'{body_id} 0 1 1 0 1 0 -0.2182 0.0557 2')
            lines.append('25')
            for x, y, z in np.asarray(xyz, np.float64):
                lines.append(f'{float(x)!r} {float(y)!r} {float(z)!r} '
                             '263.7 201.2 1036.5 524.9 0.1735 -0.02 0.9845 '
                             '-0.0168 2')
    return '\n'.join(lines) + '\n'


def write_skeleton(folder, name, frames):
    path = Path(folder) / f'{name}.skeleton'
    path.write_text(format_skeleton(frames))
    return path


def base_skeleton(seed=0):
    """(25, 3) skeleton with right - left shoulder = SHOULDER (along +z)."""
    b = np.round(np.random.default_rng(seed).uniform(-0.5, 0.5, (25, 3)), 4)
    b[:, 2] += 3.0
    b[RIGHT] = b[LEFT] + SHOULDER
    return b


def ramp_track(num_frames, seed=0):
    """A body translating (all joints) with the head ramping up in y.

    Relative to joint 21 only the head moves: +0.01 m in y per frame.
    """
    b = base_skeleton(seed)
    track = []
    for t in range(num_frames):
        x = b + np.array([0.1, -0.05, 0.02]) * t
        x[HEAD, 1] += 0.01 * t
        track.append(x)
    return np.array(track)


def oscillating_track(num_frames, amplitude, seed):
    """A body whose arms swing with ``amplitude`` (motion energy grows)."""
    b = base_skeleton(seed)
    t = np.arange(num_frames)[:, None]
    track = np.repeat(b[None], num_frames, 0)
    track[:, 5:8, 0] += amplitude * np.sin(t / 3.0)
    return np.round(track, 6)


# Rotation taking +z (the fixture's shoulder direction) to +x:
# (x, y, z) -> (z, y, -x).
def rot_z_to_x(v):
    v = np.asarray(v)
    return np.stack([v[..., 2], v[..., 1], -v[..., 0]], -1)


def torch_linear_src(t_in, t_out=50):
    """Source positions of linear resizing with align_corners=False."""
    src = (np.arange(t_out) + 0.5) * (t_in / t_out) - 0.5
    return np.clip(src, 0, t_in - 1)


NAMES = dict(
    one='S001C001P001R001A001',  # 1 body, 26 frames
    two='S001C002P003R001A002',  # 2 bodies, first in file less energetic
    three='S002C003P002R002A003',  # 3 bodies, the least energetic dropped
    missing='S003C001P004R001A004',  # body 2 absent in frame 20
    zero_body_frame='S004C002P007R001A005',  # frame 2 has 0 bodies
    empty='S005C003P008R001A006',  # 0 frames
    no_body='S005C001P009R001A007',  # frames without bodies
    corrupt='S006C001P001R001A008',  # truncated
    ntu120_a='S018C001P045R001A061',  # NTU-120 only, xsub train, xset train
    ntu120_b='S019C002P051R001A062',  # NTU-120 only, xsub val, xset val
)
ID_A, ID_B, ID_C = 72057594037931101, 72057594037931102, 72057594037931103


def make_raw_dir(folder):
    """Write every fixture; return dict name -> tracks written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tracks = {}
    one = ramp_track(26)
    write_skeleton(folder, NAMES['one'], [[(ID_A, x)] for x in one])
    tracks['one'] = one

    calm, lively = oscillating_track(50, 0.02, 1), oscillating_track(
        50, 0.2, 2)
    write_skeleton(folder, NAMES['two'],
                   [[(ID_A, a), (ID_B, b)] for a, b in zip(calm, lively)])
    tracks['two'] = (calm, lively)

    low, mid, high = (oscillating_track(20, a, s)
                      for a, s in ((0.01, 3), (0.1, 4), (0.3, 5)))
    write_skeleton(folder, NAMES['three'],
                   [[(ID_A, a), (ID_B, b), (ID_C, c)]
                    for a, b, c in zip(low, mid, high)])
    tracks['three'] = (low, mid, high)

    p0, p1 = oscillating_track(50, 0.3, 6), oscillating_track(50, 0.1, 7)
    frames = [[(ID_A, a), (ID_B, b)] for a, b in zip(p0, p1)]
    frames[20] = [(ID_A, p0[20])]
    write_skeleton(folder, NAMES['missing'], frames)
    tracks['missing'] = (p0, p1)

    zb = ramp_track(6, seed=8)
    frames = [[(ID_A, x)] for x in zb]
    frames[2] = []
    write_skeleton(folder, NAMES['zero_body_frame'], frames)
    tracks['zero_body_frame'] = zb

    (folder / f'{NAMES["empty"]}.skeleton').write_text('0\n')
    (folder / f'{NAMES["no_body"]}.skeleton').write_text('3\n0\n0\n0\n')
    text = format_skeleton([[(ID_A, x)] for x in ramp_track(4)])
    (folder / f'{NAMES["corrupt"]}.skeleton').write_text(
        '\n'.join(text.splitlines()[:40]) + '\n')
    (folder / 'notes.skeleton').write_text('1\n0\n')
    write_skeleton(folder, NAMES['ntu120_a'],
                   [[(ID_A, x)] for x in ramp_track(10, seed=9)])
    write_skeleton(folder, NAMES['ntu120_b'],
                   [[(ID_A, x)] for x in ramp_track(12, seed=10)])
    return tracks


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    """Raw fixtures converted once for ntu60 and once for ntu120."""
    root = tmp_path_factory.mktemp('ntu')
    tracks = make_raw_dir(root / 'raw')
    out = {}
    for dataset in ('ntu60', 'ntu120'):
        summary = ntu.convert(str(root / 'raw'), str(root / dataset),
                              dataset=dataset, preprocess='normalize',
                              progress=False)
        data = pickle.loads((root / dataset / f'{dataset}_pstl.pkl')
                            .read_bytes())
        out[dataset] = dict(
            dir=root / dataset, summary=summary, data=data,
            anns={a['frame_dir']: a for a in data['annotations']})
    out['raw'] = root / 'raw'
    out['tracks'] = tracks
    return out


# --------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------
def test_parse_returns_the_written_coordinates(tmp_path):
    p0, p1 = oscillating_track(5, 0.3, 6), oscillating_track(5, 0.1, 7)
    frames = [[(ID_A, a), (ID_B, b)] for a, b in zip(p0, p1)]
    frames[2] = [(ID_B, p1[2])]  # body A missing in the middle
    path = write_skeleton(tmp_path, NAMES['missing'], frames)
    sk = read_skeleton_file(path)
    assert sk['num_frames'] == 5
    assert list(sk['bodies']) == [ID_A, ID_B]
    a, b = sk['bodies'][ID_A], sk['bodies'][ID_B]
    assert a.shape == b.shape == (5, 25, 3) and a.dtype == np.float32
    np.testing.assert_array_equal(b, p1.astype(np.float32))
    np.testing.assert_array_equal(a[[0, 1, 3, 4]],
                                  p0[[0, 1, 3, 4]].astype(np.float32))
    np.testing.assert_array_equal(a[2], 0)
    np.testing.assert_array_equal(sk['present'][ID_A],
                                  [True, True, False, True, True])
    assert sk['present'][ID_B].all()


def test_parse_frame_without_body_and_empty_files(tmp_path):
    x = ramp_track(3)
    path = write_skeleton(tmp_path, 'S001C001P001R001A001',
                          [[(ID_A, x[0])], [], [(ID_A, x[2])]])
    sk = read_skeleton_file(path)
    assert sk['num_frames'] == 3
    np.testing.assert_array_equal(sk['present'][ID_A], [True, False, True])
    np.testing.assert_array_equal(sk['bodies'][ID_A][1], 0)
    (tmp_path / 'zero.skeleton').write_text('0\n')
    (tmp_path / 'blank.skeleton').write_text('')
    (tmp_path / 'nobody.skeleton').write_text('2\n0\n0\n')
    for name, frames in (('zero', 0), ('blank', 0), ('nobody', 2)):
        sk = read_skeleton_file(tmp_path / f'{name}.skeleton')
        assert sk['num_frames'] == frames and sk['bodies'] == {}


def _good_lines():
    # 1 frame, 1 body: line 1 frames, 2 bodies, 3 body info, 4 joint count,
    # 5..29 joints.
    return format_skeleton([[(ID_A, base_skeleton())]]).splitlines()


def _replace(lines, index, text):
    lines = list(lines)
    lines[index] = text
    return lines


@pytest.mark.parametrize('lines, line_no, problem', [
    (_good_lines()[:15], 16, 'unexpected end of file'),
    (_replace(_good_lines(), 7, '0.1 abc 0.3 1 2 3 4 5 6 7 8 2'), 8,
     'non-numeric'),
    (_replace(_good_lines(), 7, '0.1 0.2 0.3'), 8, 'got 3 values'),
    (_replace(_good_lines(), 3, '24'), 4, '24 joints'),
    (_replace(_good_lines(), 0, '2'), 30, 'unexpected end of file'),
    (_replace(_good_lines(), 1, 'x'), 2, 'not an integer'),
    (_replace(_good_lines(), 0, '1000000000'), 1, 'only 29 lines'),
    (_replace(_good_lines(), 2, '7 0 1 1 0 1 0 -0.2 nan?? 2'), 3,
     'non-numeric'),
    (_replace(_good_lines(), 9, '0.1 nan 0.3 1 2 3 4 5 6 7 8 2'), 10,
     'non-finite'),
    (_good_lines() + ['1'], 30, 'after the last'),
])
def test_corrupt_files_raise_with_file_and_line(tmp_path, lines, line_no,
                                                problem):
    path = tmp_path / 'S001C001P001R001A001.skeleton'
    path.write_text('\n'.join(lines) + '\n')
    with pytest.raises(ValueError) as info:
        read_skeleton_file(path)
    assert isinstance(info.value, SkeletonFileError)
    msg = str(info.value)
    assert str(path) in msg and f'line {line_no}:' in msg and problem in msg
    assert info.value.line == line_no


# --------------------------------------------------------------------------
# body choice
# --------------------------------------------------------------------------
def test_choose_bodies_by_motion_energy(tmp_path, converted):
    low, mid, high = converted['tracks']['three']
    sk = read_skeleton_file(converted['raw'] / f'{NAMES["three"]}.skeleton')
    energies = [motion_energy(sk['bodies'][i], sk['present'][i])
                for i in (ID_A, ID_B, ID_C)]
    # hand computed: only joints 5..7 x move, amplitude * sin(t / 3)
    s = np.sin(np.arange(20) / 3.0)
    for e, amp, track in zip(energies, (0.01, 0.1, 0.3), (low, mid, high)):
        expected = track[:, 5:8, 0].astype(np.float32).astype(
            np.float64).var(axis=0).sum()
        assert e == pytest.approx(expected, rel=1e-9)
        assert e == pytest.approx(3 * amp**2 * s.var(), rel=1e-3)
    kept = choose_bodies(sk)
    assert kept.shape == (2, 20, 25, 3) and kept.dtype == np.float32
    np.testing.assert_array_equal(kept[0], high.astype(np.float32))
    np.testing.assert_array_equal(kept[1], mid.astype(np.float32))
    # plain mapping id -> track gives the same choice
    np.testing.assert_array_equal(choose_bodies(sk['bodies']), kept)
    # one body: padded with a zero person
    one = choose_bodies({ID_A: low})
    np.testing.assert_array_equal(one[0], low.astype(np.float32))
    np.testing.assert_array_equal(one[1], 0)


def test_energy_ignores_absent_frames():
    """A static body absent in some frames is not 'moving' to/from 0."""
    static = np.repeat(base_skeleton(1)[None], 6, 0)
    present = np.array([True, True, True, False, True, True])
    static[~present] = 0
    moving = oscillating_track(6, 0.05, 2)
    sk = dict(num_frames=6, bodies={ID_A: static, ID_B: moving},
              present={ID_A: present, ID_B: np.ones(6, bool)})
    assert motion_energy(static, present) == pytest.approx(0, abs=1e-20)
    # counted with its absent frame as zeros it would outrank the mover
    assert motion_energy(static, np.ones(6, bool)) > motion_energy(
        moving, np.ones(6, bool))
    kept = choose_bodies(sk)
    np.testing.assert_array_equal(kept[0], moving.astype(np.float32))
    np.testing.assert_array_equal(kept[1], static.astype(np.float32))


# --------------------------------------------------------------------------
# names and splits
# --------------------------------------------------------------------------
def test_parse_name():
    assert parse_name('S017C003P020R002A060.skeleton') == dict(
        setup=17, camera=3, performer=20, replication=2, action=60)
    with pytest.raises(ValueError, match='SsssCcccPpppRrrrAaaa'):
        parse_name('S17C003P020R002A060')


def test_splits_of_the_converted_outputs(converted):
    n = NAMES
    s60 = converted['ntu60']['data']['split']
    assert s60 == dict(
        xsub_train=[n['one'], n['three'], n['missing']],
        xsub_val=[n['two'], n['zero_body_frame']],
        xview_train=[n['two'], n['three'], n['zero_body_frame']],
        xview_val=[n['one'], n['missing']])
    s120 = converted['ntu120']['data']['split']
    assert s120 == dict(
        xsub_train=[n['one'], n['three'], n['missing'], n['ntu120_a']],
        xsub_val=[n['two'], n['zero_body_frame'], n['ntu120_b']],
        xset_train=[n['three'], n['zero_body_frame'], n['ntu120_a']],
        xset_val=[n['one'], n['two'], n['missing'], n['ntu120_b']])
    # NTU-120 performer 45 is train there, unknown (val) in the NTU-60 list
    assert make_splits(['S001C001P045R001A001'], 'ntu60')['xsub_val']
    labels = {a['frame_dir']: a['label']
              for a in converted['ntu120']['data']['annotations']}
    assert labels[n['ntu120_a']] == 60 and labels[n['one']] == 0


# --------------------------------------------------------------------------
# converted values
# --------------------------------------------------------------------------
def test_one_body_clip_values(converted):
    ann = converted['ntu60']['anns'][NAMES['one']]
    kp = ann['keypoint']
    assert kp.shape == (2, 50, 25, 3) and kp.dtype == np.float32
    assert kp.flags['C_CONTIGUOUS']
    assert ann['total_frames'] == 50 and ann['original_frames'] == 26
    assert ann['label'] == 0
    b = base_skeleton(0)
    src = torch_linear_src(26)
    expected = np.repeat(rot_z_to_x(b - b[CENTRE])[None], 50, 0)
    # head relative y: a linear ramp in, a linear ramp (clipped ends) out
    expected[:, HEAD, 1] += 0.01 * src
    np.testing.assert_allclose(kp[0], expected, atol=2e-5)
    np.testing.assert_array_equal(kp[1], 0)
    head_y = kp[0, :, HEAD, 1]
    steps = np.diff(head_y[1:-1])
    np.testing.assert_allclose(steps, 0.01 * 26 / 50, atol=1e-6)
    np.testing.assert_allclose(kp[0, :, CENTRE], 0, atol=1e-6)
    shoulder = kp[0, 0, RIGHT] - kp[0, 0, LEFT]
    assert abs(shoulder[1]) < 1e-6 and abs(shoulder[2]) < 1e-6
    # left -> right shoulder (right - left) along +x, as in the reference's
    # pre_normalization; the right -> left vector points to -x.
    assert shoulder[0] == pytest.approx(0.4, abs=1e-6)


def test_two_body_clip_values(converted):
    calm, lively = converted['tracks']['two']
    ann = converted['ntu60']['anns'][NAMES['two']]
    kp = ann['keypoint']
    assert ann['original_frames'] == 50
    centre = lively[:, CENTRE:CENTRE + 1]  # the most energetic is person 0
    np.testing.assert_allclose(kp[0], rot_z_to_x(lively - centre), atol=2e-5)
    np.testing.assert_allclose(kp[1], rot_z_to_x(calm - centre), atol=2e-5)
    shoulder = kp[0, 0, RIGHT] - kp[0, 0, LEFT]
    np.testing.assert_allclose(shoulder, [0.4, 0, 0], atol=1e-6)


def test_three_body_clip_drops_least_energetic(converted):
    low, mid, high = converted['tracks']['three']
    kp = converted['ntu60']['anns'][NAMES['three']]['keypoint']
    src = torch_linear_src(20)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, 19)
    w = (src - lo)[:, None, None]
    for person, track in ((0, high), (1, mid)):
        rel = rot_z_to_x(track - high[:, CENTRE:CENTRE + 1])
        expected = rel[lo] * (1 - w) + rel[hi] * w
        np.testing.assert_allclose(kp[person], expected, atol=2e-5)


def test_missing_body_frame_stays_zero(converted):
    p0, p1 = converted['tracks']['missing']
    kp = converted['ntu60']['anns'][NAMES['missing']]['keypoint']
    np.testing.assert_array_equal(kp[1, 20], 0)
    centre = p0[:, CENTRE:CENTRE + 1]
    keep = np.arange(50) != 20
    np.testing.assert_allclose(kp[1, keep],
                               rot_z_to_x(p1 - centre)[keep], atol=2e-5)
    np.testing.assert_allclose(kp[0], rot_z_to_x(p0 - centre), atol=2e-5)


def test_zero_body_frame_is_dropped(converted):
    ann = converted['ntu60']['anns'][NAMES['zero_body_frame']]
    assert ann['original_frames'] == 5
    b = base_skeleton(8)
    valid = np.array([0, 1, 3, 4, 5])
    src = torch_linear_src(5)
    head_y = (b[HEAD, 1] - b[CENTRE, 1]) + 0.01 * np.interp(
        src, np.arange(5), valid)
    np.testing.assert_allclose(ann['keypoint'][0, :, HEAD, 1], head_y,
                               atol=2e-5)


# --------------------------------------------------------------------------
# skipped files, report, CLI
# --------------------------------------------------------------------------
def test_empty_and_corrupt_files_are_skipped_with_reasons(converted):
    res = converted['ntu60']
    summary = res['summary']
    reasons = dict(summary.skipped)
    assert reasons[NAMES['empty']] == 'empty file (0 frames)'
    assert reasons[NAMES['no_body']] == 'no body in any frame'
    assert reasons[NAMES['corrupt']].startswith('corrupt file (unexpected '
                                                'end of file')
    assert 'line 41' in reasons[NAMES['corrupt']]
    assert reasons['notes'] == 'file name is not SsssCcccPpppRrrrAaaa'
    assert summary.written == 5 and len(summary.skipped) == 4
    assert summary.ignored == {'not in ntu60': 2}  # the NTU-120-only files
    assert len(res['anns']) == 5
    assert len(summary.files) == 9
    assert summary.files[0] == str(res['dir'] / 'ntu60_pstl.pkl')
    report = summary.report()
    assert 'samples written: 5' in report and 'samples skipped: 4' in report
    assert '1 x empty file (0 frames) (e.g. S005C003P008R001A006)' in report
    assert 'files ignored (not in ntu60): 2' in report
    assert f'wrote {res["dir"] / "xview" / "val_label.pkl"}' in report
    assert converted['ntu120']['summary'].written == 7
    assert converted['ntu120']['summary'].ignored == {'not in ntu120': 0}
    assert 'files ignored' not in converted['ntu120']['summary'].report()


def test_cli_convert_and_check(tmp_path, converted, capsys):
    out = tmp_path / 'ntu60'
    assert convert_main(['ntu60', '--src', str(converted['raw']),
                         '--out-dir', str(out), '--no-progress']) == 0
    text = capsys.readouterr().out
    assert 'samples written: 5' in text and 'corrupt file' in text
    assert 'files ignored (not in ntu60): 2' in text
    assert sorted(p.name for p in out.iterdir()) == [
        'ntu60_pstl.pkl', 'xsub', 'xview']
    assert convert_main(['ntu60', '--out-dir', str(out), '--check']) == 0
    assert 'check passed' in capsys.readouterr().out
    # tamper with one value of the npy file
    npy = out / 'xsub' / 'train_data_joint.npy'
    data = np.load(npy)
    data[1, 0, 10, 3, 0] += 0.5
    np.save(npy, data)
    assert convert_main(['ntu60', '--out-dir', str(out), '--check']) == 1
    text = capsys.readouterr().out
    assert 'CHECK FAILED' in text
    assert f'{npy}: values of sample 1 ({NAMES["three"]}) differ' in text
    # a wrong label / missing file are named as well
    np.save(npy, data[:2])
    assert convert_main(['ntu60', '--out-dir', str(out), '--check']) == 1
    assert f'{npy}: array float32 (2, 3, 50, 25, 2), expected float32 (3, ' \
        in capsys.readouterr().out
    os.remove(out / 'xview' / 'val_label.pkl')
    report = ntu.check(str(out), dataset='ntu60')
    assert not report.ok
    assert any(p.startswith(str(out / 'xview' / 'val_label.pkl'))
               for p in report.problems)


def test_cli_num_frames_and_workers(tmp_path, converted, capsys):
    out = tmp_path / 'ntu120'
    assert convert_main(['ntu120', '--src', str(converted['raw']),
                         '--out-dir', str(out), '--num-frames', '20',
                         '--workers', '2', '--no-progress', '--check']) == 0
    text = capsys.readouterr().out
    assert 'samples written: 7' in text and 'check: OK' in text
    data = pickle.loads((out / 'ntu120_pstl.pkl').read_bytes())
    assert {a['keypoint'].shape for a in data['annotations']} == {
        (2, 20, 25, 3)}
    assert np.load(out / 'xset' / 'val_data_joint.npy').shape == (
        4, 3, 20, 25, 2)
    # checked against another length, every split is refused
    assert convert_main(['ntu120', '--out-dir', str(out), '--check']) == 1
    assert capsys.readouterr().out.count('not of 2 persons x 50 frames') == 4


def test_check_passes_on_ntu120(converted):
    report = ntu.check(str(converted['ntu120']['dir']), dataset='ntu120')
    assert report.ok and report.problems == []
    assert report.pkl == str(converted['ntu120']['dir'] / 'ntu120_pstl.pkl')
    assert len(report.lines) == 5
    assert any(line.startswith('xset_val: 4 samples OK')
               for line in report.lines)


def test_npy_layout_equals_pickle(converted):
    for dataset, parts in (('ntu60', ('xsub', 'xview')),
                           ('ntu120', ('xsub', 'xset'))):
        res = converted[dataset]
        for benchmark in parts:
            for part in ('train', 'val'):
                names = res['data']['split'][f'{benchmark}_{part}']
                folder = res['dir'] / benchmark
                data = np.load(folder / f'{part}_data_joint.npy')
                label_names, labels = pickle.loads(
                    (folder / f'{part}_label.pkl').read_bytes())
                assert label_names == names
                assert labels == [res['anns'][n]['label'] for n in names]
                assert data.shape == (len(names), 3, 50, 25, 2)
                assert data.dtype == np.float32
                for i, n in enumerate(names):
                    np.testing.assert_array_equal(
                        data[i], res['anns'][n]['keypoint'].transpose(
                            3, 1, 2, 0))


def test_dataset_reads_both_layouts_identically(converted):
    out = converted['ntu60']['dir']
    for split in ('xsub_train', 'xview_val'):
        benchmark, part = split.split('_')
        from_pkl = PSTLSkeletonDataset(
            ann_file=str(out / 'ntu60_pstl.pkl'), pipeline=[], split=split,
            num_classes=60)
        from_npy = PSTLSkeletonDataset(
            ann_file=str(out / benchmark / f'{part}_data_joint.npy'),
            label_file=str(out / benchmark / f'{part}_label.pkl'),
            pipeline=[], num_classes=60)
        assert len(from_pkl) == len(from_npy) > 0
        for i in range(len(from_pkl)):
            a, b = from_pkl.get_data_info(i), from_npy.get_data_info(i)
            assert a['frame_dir'] == b['frame_dir']
            assert a['label'] == b['label']
            np.testing.assert_array_equal(a['keypoint'], b['keypoint'])


# --------------------------------------------------------------------------
# determinism and atomicity
# --------------------------------------------------------------------------
def _output_bytes(folder):
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob('*')) if p.is_file()}


def test_converting_twice_gives_identical_files(tmp_path, converted):
    first = _output_bytes(converted['ntu60']['dir'])
    ntu.convert(str(converted['raw']), str(tmp_path / 'a'), dataset='ntu60',
                preprocess='normalize', progress=False)
    ntu.convert(str(converted['raw']), str(tmp_path / 'b'), dataset='ntu60',
                preprocess='normalize', workers=2, progress=False)
    assert _output_bytes(tmp_path / 'a') == first
    assert _output_bytes(tmp_path / 'b') == first
    assert 'ntu60_pstl.pkl' in first and len(first) == 9


def test_interrupted_write_leaves_no_file(tmp_path, converted, monkeypatch):
    def broken_dump(*args, **kwargs):
        raise OSError('disk full (simulated)')

    monkeypatch.setattr(writers.pickle, 'dump', broken_dump)
    out = tmp_path / 'fresh'
    with pytest.raises(OSError, match='simulated'):
        ntu.convert(str(converted['raw']), str(out), dataset='ntu60',
                    progress=False)
    assert list(out.rglob('*')) == []  # no pkl, no npy, no temp, no staging
    # an existing finished output is kept as it was
    done = tmp_path / 'done'
    shutil.copytree(converted['ntu60']['dir'], done)
    before = _output_bytes(done)
    with pytest.raises(OSError, match='simulated'):
        ntu.convert(str(converted['raw']), str(done), dataset='ntu60',
                    progress=False)
    assert _output_bytes(done) == before
    assert sorted(p.name for p in done.iterdir()) == [
        'ntu60_pstl.pkl', 'xsub', 'xview']


def test_ctrl_c_before_writing_writes_nothing(tmp_path, converted,
                                              monkeypatch, capsys):
    calls = []
    real = ntu.read_skeleton_file

    def interrupted(path):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(path)

    monkeypatch.setattr(ntu, 'read_skeleton_file', interrupted)
    out = tmp_path / 'out'
    assert convert_main(['ntu60', '--src', str(converted['raw']),
                         '--out-dir', str(out), '--no-progress']) == 130
    assert len(calls) == 3
    assert 'interrupted' in capsys.readouterr().err
    assert not out.exists()


def test_missing_raw_dir_and_nothing_to_convert(tmp_path, capsys):
    assert convert_main(['ntu60', '--src', str(tmp_path / 'nope'),
                         '--out-dir', str(tmp_path / 'o')]) == 2
    assert f'{tmp_path / "nope"} does not exist' in capsys.readouterr().err
    (tmp_path / 'raw').mkdir()
    (tmp_path / 'raw' / 'S001C001P001R001A001.skeleton').write_text('0\n')
    with pytest.raises(ConversionError, match='nothing written'):
        ntu.convert(str(tmp_path / 'raw'), str(tmp_path / 'o'),
                    dataset='ntu60', progress=False)
    assert convert_main(['ntu60', '--src', str(tmp_path / 'raw'),
                         '--out-dir', str(tmp_path / 'o')]) == 2
    err = capsys.readouterr().err
    assert 'nothing written' in err
    assert 'S001C001P001R001A001' in err  # the skipped file is named
    assert not (tmp_path / 'o').exists()
    assert convert_main(['ntu60', '--out-dir', str(tmp_path / 'o'),
                         '--check']) == 1
    assert 'ntu60_pstl.pkl: no such file' in capsys.readouterr().out


# --------------------------------------------------------------------------
# the aimclr preprocessing: body slots, missing list, skipped clips
# --------------------------------------------------------------------------
def test_body_slots_follow_the_listing_order(tmp_path):
    p0, p1 = oscillating_track(5, 0.3, 6), oscillating_track(5, 0.1, 7)
    frames = [[(ID_A, a), (ID_B, b)] for a, b in zip(p0, p1)]
    frames[2] = [(ID_B, p1[2])]  # only B: it takes slot 0
    frames[3] = [(ID_B, p1[3]), (ID_A, p0[3]), (ID_C, p0[3] + 1)]
    slots = read_skeleton_file(write_skeleton(tmp_path, NAMES['missing'],
                                              frames))['slots']
    assert slots.shape == (2, 5, 25, 3) and slots.dtype == np.float32
    first = p0.astype(np.float32)
    second = p1.astype(np.float32)
    np.testing.assert_array_equal(slots[0, [0, 1, 4]], first[[0, 1, 4]])
    np.testing.assert_array_equal(slots[1, [0, 1, 4]], second[[0, 1, 4]])
    np.testing.assert_array_equal(slots[0, 2], second[2])
    np.testing.assert_array_equal(slots[1, 2], 0)
    np.testing.assert_array_equal(slots[0, 3], second[3])
    np.testing.assert_array_equal(slots[1, 3], first[3])  # C is dropped


def test_aimclr_keeps_the_listed_bodies_not_the_most_energetic(converted,
                                                               tmp_path):
    ntu.convert(str(converted['raw']), str(tmp_path), dataset='ntu60',
                progress=False)
    anns = {a['frame_dir']: a
            for a in pickle.loads((tmp_path / 'ntu60_pstl.pkl').read_bytes())
            ['annotations']}
    calm, lively = converted['tracks']['two']
    # Listed first, the calm body is body 0, centred on its own joint 21
    # (the other body on its own one).
    for person, track in ((0, calm), (1, lively)):
        rel = (track - track[:, CENTRE:CENTRE + 1]).astype(np.float32)
        kp = anns[NAMES['two']]['keypoint'][person]
        np.testing.assert_allclose(kp[:, CENTRE], 0, atol=1e-7)
        # A rotation about y per frame: heights and lengths are kept.
        np.testing.assert_allclose(kp[..., 1], rel[..., 1], atol=1e-6)
        np.testing.assert_allclose(np.linalg.norm(kp, axis=-1),
                                   np.linalg.norm(rel, axis=-1), atol=1e-5)
    assert anns[NAMES['two']]['original_frames'] == 50
    # frame 2 of zero_body_frame has no body: the AimCLR length is 5 and
    # the prefix of 5 frames keeps the empty frame, dropping the last one.
    assert anns[NAMES['zero_body_frame']]['original_frames'] == 5


def test_missing_list_found_given_or_noted(tmp_path, converted):
    raw = tmp_path / 'raw'
    shutil.copytree(converted['raw'], raw)
    (raw / 'NTU_RGBD_samples_with_missing_skeletons.txt').write_text(
        'header line\n\n' + NAMES['one'] + '\n' + NAMES['empty'] + '\n')
    summary = ntu.convert(str(raw), str(tmp_path / 'a'), dataset='ntu60',
                          progress=False)
    reasons = dict(summary.skipped)
    listed = (f'listed in {raw / "NTU_RGBD_samples_with_missing_skeletons.txt"}'
              ' (missing skeletons)')
    assert reasons[NAMES['one']] == reasons[NAMES['empty']] == listed
    assert summary.written == 4 and summary.notes == []
    other = tmp_path / 'mine.txt'
    other.write_text(NAMES['two'] + '\n')
    summary = ntu.convert(str(raw), str(tmp_path / 'b'), dataset='ntu60',
                          missing_list=str(other), progress=False)
    assert dict(summary.skipped)[NAMES['two']] == \
        f'listed in {other} (missing skeletons)'
    assert NAMES['one'] not in dict(summary.skipped)
    with pytest.raises(FileNotFoundError, match='nope.txt does not exist'):
        ntu.convert(str(raw), str(tmp_path / 'c'), dataset='ntu60',
                    missing_list=str(tmp_path / 'nope.txt'), progress=False)
    summary = ntu.convert(str(converted['raw']), str(tmp_path / 'd'),
                          dataset='ntu60', progress=False)
    assert summary.notes == [
        'no missing-skeleton list (NTU_RGBD_samples_with_missing_skeletons'
        f'.txt) in {converted["raw"]}: every file was read (give '
        '--missing-list)']
    assert 'note: no missing-skeleton list' in summary.report()


def test_aimclr_skips_long_clips_and_length_zero(tmp_path):
    long_track = ramp_track(301)
    write_skeleton(tmp_path, 'S001C001P001R001A001',
                   [[(ID_A, x)] for x in long_track])
    no_root = ramp_track(8)
    no_root[:, 0] = 0  # joint 0 of body 0 is 0 everywhere
    write_skeleton(tmp_path, 'S001C001P001R001A002',
                   [[(ID_A, x)] for x in no_root])
    write_skeleton(tmp_path, 'S001C001P001R001A003',
                   [[(ID_A, x)] for x in ramp_track(300)])
    summary = ntu.convert(str(tmp_path), str(tmp_path / 'out'),
                          dataset='ntu60', progress=False)
    reasons = dict(summary.skipped)
    assert reasons['S001C001P001R001A001'] == (
        'more than 300 frames, the length of the AimCLR arrays')
    assert reasons['S001C001P001R001A002'].startswith(
        'joint 0 of body 0 is zero in every frame')
    assert summary.written == 1
    # normalize has no such limits
    summary = ntu.convert(str(tmp_path), str(tmp_path / 'out2'),
                          dataset='ntu60', preprocess='normalize',
                          progress=False)
    assert summary.written == 3
