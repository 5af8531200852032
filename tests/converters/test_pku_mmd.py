"""PKU-MMD converter (:mod:`pstl_mm.converters.pku_mmd`): hand-made raw
files in the release's formats, through the API and the command line; the
``normalize`` preprocessing, then the clips, names and body slots of the
``aimclr`` one (its values on the real files: ``tests/datasets/test_aimclr.py``)."""
import pickle

import numpy as np
import pytest
from mmengine.registry import init_default_scope

from pstl_mm.converters import pku_mmd, writers
from pstl_mm.converters.cli import main as convert_main
from pstl_mm.converters.normalize import normalize_sequence
from pstl_mm.converters.pku_mmd import (PKUMMDFormatError, parse_split_file,
                                        read_skeleton_file)
from pstl_mm.datasets.aimclr import aimclr_position
from pstl_mm.datasets.safe_pickle import safe_load

CENTRE, LEFT_SHOULDER, RIGHT_SHOULDER = 20, 4, 8


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


def make_video(seed, num_frames, second_person_frames=(), zero_frames=()):
    """(T, 2, 25, 3) skeletons: a moving body, optional second person."""
    rng = np.random.default_rng(seed)
    body = rng.normal(scale=0.3, size=(25, 3))
    drift = np.cumsum(rng.normal(scale=0.02, size=(num_frames, 1, 3)), 0)
    wiggle = rng.normal(scale=0.01, size=(num_frames, 25, 3))
    video = np.zeros((num_frames, 2, 25, 3))
    video[:, 0] = body + drift + wiggle + np.array([0.1, 0.2, 3.0])
    for t in second_person_frames:
        video[t, 1] = body[::-1] + np.array([1.0, 0.0, 3.5]) + wiggle[t]
    for t in zero_frames:
        video[t] = 0
    return video


def write_skeleton(path, video, bad_lines=None, trailing_blank=False):
    """One line per frame, 150 numbers, exact (``repr``) floats."""
    lines = [' '.join(repr(float(v)) for v in frame.reshape(-1))
             for frame in video]
    for i, text in (bad_lines or {}).items():
        lines[i] = text
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('\n'.join(lines) + ('\n\n' if trailing_blank else '\n'))


def write_text(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# Video 0002-L (train): 40 frames, second person in frames 0..19, frame 3
# all zero. Label lines (k = 0..6).
LABELS_0002 = ('5,0,19,1\n'      # k0: ok, 19 valid frames (frame 3 empty)
               '12,20,39,2\n'    # k1: ok, second person absent
               'abc,1,2,3\n'     # k2: unreadable label line (line 3)
               '7,30,45,1\n'     # k3: outside the video (40 frames)
               '8,25,25,1\n'     # k4: ok, one frame
               '9,30,28,1\n'     # k5: empty interval
               '52,0,5,1\n')     # k6: label outside 1..51
# Video 0003-M (val): 60 frames, one person, line 56 (frame 55) corrupt.
LABELS_0003 = ('51,0,39,1\n'     # k0: ok
               '3,50,59,1\n'     # k1: covers the corrupt skeleton line
               '2,10,12,1\n'     # k2: ok
               '4,0,54,1\n')     # k3: ok, 55 frames > 50 (downsampled)
BAD_LINE = 55
EXPECTED = {
    'xsub_train': {'0002-L_000': ('0002-L', 0, 19, 4),
                   '0002-L_001': ('0002-L', 20, 39, 11),
                   '0002-L_004': ('0002-L', 25, 25, 7)},
    'xsub_val': {'0003-M_000': ('0003-M', 0, 39, 50),
                 '0003-M_002': ('0003-M', 10, 12, 1),
                 '0003-M_003': ('0003-M', 0, 54, 3)},
}


@pytest.fixture
def raw(tmp_path):
    """A part I release: two videos, labels, split file, a distractor."""
    root = tmp_path / 'PKU_MMD'
    videos = {
        '0002-L': make_video(0, 40, second_person_frames=range(20),
                             zero_frames=(3, )),
        '0003-M': make_video(1, 60),
    }
    write_skeleton(root / 'PKU_Skeleton_Renew' / '0002-L.txt',
                   videos['0002-L'])
    write_skeleton(root / 'PKU_Skeleton_Renew' / '0003-M.txt',
                   videos['0003-M'],
                   bad_lines={BAD_LINE: ' '.join(['0.5'] * 149)},
                   trailing_blank=True)
    write_text(root / 'Train_Label_PKU_final' / '0002-L.txt', LABELS_0002)
    write_text(root / 'Train_Label_PKU_final' / '0003-M.txt', LABELS_0003)
    write_text(root / 'Split' / 'cross-subject.txt',
               'Training videos: \n0002-L, 0004-R, \n'
               'Validataion videos: \n0003-M\n')
    write_text(root / 'RGB' / 'notes.txt', 'not skeleton data\n')
    return root, videos


@pytest.fixture
def converted(raw, tmp_path):
    root, videos = raw
    out = tmp_path / 'out'
    summary = convert_normalize(str(root), str(out), part=1, progress=False)
    data = safe_load(str(out / 'pku1_pstl.pkl'))
    return root, videos, out, summary.files, summary, data


def convert_normalize(*args, **kwargs):
    """:func:`pku_mmd.convert` with ``preprocess='normalize'``."""
    return pku_mmd.convert(*args, preprocess='normalize', **kwargs)


def test_split_file_both_spellings(tmp_path):
    for header in ('Validataion videos:', 'Validation videos:'):
        path = tmp_path / 'split.txt'
        path.write_text(f'Training videos: \nA01N01-L, A01N02-M,\n{header} '
                        '\nA02N01-R, A02N02-L\n')
        assert parse_split_file(str(path)) == (['A01N01-L', 'A01N02-M'],
                                               ['A02N01-R', 'A02N02-L'])
    path.write_text('Training videos:\n0002-L\n')
    with pytest.raises(PKUMMDFormatError, match='split.txt.*Valid'):
        parse_split_file(str(path))
    path.write_text('Training videos:\n0002-L\nValidataion videos:\n0002-L\n')
    with pytest.raises(PKUMMDFormatError, match='both'):
        parse_split_file(str(path))


def test_clips_equal_the_oracle(converted):
    _, videos, _, _, _, data = converted
    anns = {a['frame_dir']: a for a in data['annotations']}
    expected = {**EXPECTED['xsub_train'], **EXPECTED['xsub_val']}
    assert sorted(anns) == sorted(expected)
    for name, (video, start, end, label) in expected.items():
        cut = videos[video][start:end + 1].transpose(1, 0, 2, 3)
        oracle, n_valid = normalize_sequence(cut, 'nturgb+d', 50)
        ann = anns[name]
        assert ann['keypoint'].dtype == np.float32
        assert ann['keypoint'].shape == (2, 50, 25, 3)
        np.testing.assert_array_equal(ann['keypoint'], oracle)
        assert ann['label'] == label
        assert ann['total_frames'] == 50
        assert ann['original_frames'] == n_valid
    # Frame 3 of 0002-L is all zero: 19 valid frames of 20.
    assert anns['0002-L_000']['original_frames'] == 19
    assert anns['0003-M_003']['original_frames'] == 55


def test_clips_are_centred_and_aligned(converted):
    """Properties computed without normalize_sequence."""
    _, videos, _, _, _, data = converted
    anns = {a['frame_dir']: a for a in data['annotations']}
    for name, ann in anns.items():
        kp = ann['keypoint'].astype(np.float64)
        # The centre joint (spine shoulder) of person 0 is 0 in every frame.
        np.testing.assert_allclose(kp[0, :, CENTRE], 0, atol=1e-6)
        # <= 50 valid frames: output frame 0 is the first valid frame.
        video, start, end, _ = {**EXPECTED['xsub_train'],
                                **EXPECTED['xsub_val']}[name]
        cut = videos[video][start:end + 1]
        cut = cut[np.abs(cut).sum(axis=(1, 2, 3)) > 0]
        if len(cut) > 50:
            continue
        shoulders = kp[0, 0, RIGHT_SHOULDER] - kp[0, 0, LEFT_SHOULDER]
        assert shoulders[0] > 0.01
        np.testing.assert_allclose(shoulders[1:], 0, atol=1e-5)
        # A rigid motion: joint distances of the first frame are kept.
        raw0 = cut[0, 0]
        dist_raw = np.linalg.norm(raw0[:, None] - raw0[None], axis=-1)
        dist_out = np.linalg.norm(kp[0, 0][:, None] - kp[0, 0][None],
                                  axis=-1)
        np.testing.assert_allclose(dist_out, dist_raw, atol=1e-5)
    # The absent second person stays zero.
    assert not anns['0002-L_001']['keypoint'][1].any()
    assert anns['0002-L_000']['keypoint'][1].any()
    # One frame, repeated.
    single = anns['0002-L_004']['keypoint']
    assert (single == single[:, :1]).all()


def test_splits_files_and_skips(converted):
    root, _, out, files, summary, data = converted
    assert data['split'] == {s: list(v) for s, v in EXPECTED.items()}
    assert summary.written == 6
    reasons = dict(summary.skipped)
    label_file = root / 'Train_Label_PKU_final' / '0002-L.txt'
    skel_file = root / 'PKU_Skeleton_Renew' / '0003-M.txt'
    assert f'line 3 of {label_file}' in reasons['0002-L_002']
    assert 'interval outside the video' == reasons['0002-L_003']
    assert 'empty interval' in reasons['0002-L_005']
    assert f'line 7 of {label_file}' in reasons['0002-L_006']
    assert 'outside 1..51' in reasons['0002-L_006']
    assert f'line {BAD_LINE + 1} of {skel_file}' in reasons['0003-M_001']
    assert 'no skeleton file' in reasons['0004-R']
    assert len(summary.skipped) == 6
    report = summary.report()
    assert 'samples skipped: 6' in report
    for name in ('pku1_pstl.pkl', 'xsub/train_data_joint.npy',
                 'xsub/train_label.pkl', 'xsub/val_data_joint.npy',
                 'xsub/val_label.pkl'):
        assert str(out / name) in files
    names, labels = pickle.loads((out / 'xsub' / 'val_label.pkl')
                                 .read_bytes())
    assert names == list(EXPECTED['xsub_val'])
    assert labels == [v[3] for v in EXPECTED['xsub_val'].values()]
    array = np.load(out / 'xsub' / 'train_data_joint.npy')
    assert array.shape == (3, 3, 50, 25, 2)


def test_skeleton_reader_reports_bad_lines(tmp_path):
    video = make_video(2, 5)
    path = tmp_path / 'v.txt'
    write_skeleton(path, video, bad_lines={1: 'x ' * 150, 3: '1 2 3'})
    data, bad = read_skeleton_file(str(path))
    assert data.shape == (5, 150)
    assert sorted(bad) == [1, 3]
    assert 'not a number' in bad[1] and 'got 3' in bad[3]
    np.testing.assert_array_equal(data[[0, 2, 4]],
                                  video[[0, 2, 4]].reshape(3, 150))
    assert not data[[1, 3]].any()


def test_discovery_by_content_and_overrides(raw, tmp_path):
    root, _ = raw
    # Other folder names: found by content.
    moved = tmp_path / 'moved'
    (moved / 'a').mkdir(parents=True)
    (root / 'PKU_Skeleton_Renew').rename(moved / 'a' / 'skel')
    (root / 'Train_Label_PKU_final').rename(moved / 'lbl')
    (root / 'Split' / 'cross-subject.txt').rename(moved / 'cross-subject.txt')
    out = tmp_path / 'out2'
    summary = convert_normalize(str(moved), str(out), part=1, progress=False)
    assert summary.written == 6
    # Explicit paths, no raw folder.
    out = tmp_path / 'out3'
    summary = convert_normalize(
        None, str(out), part=1, skeleton_dir=str(moved / 'a' / 'skel'),
        label_dir=str(moved / 'lbl'),
        split_file=str(moved / 'cross-subject.txt'), progress=False)
    assert summary.written == 6
    with pytest.raises(PKUMMDFormatError, match='no label folder'):
        convert_normalize(str(moved / 'a'), str(tmp_path / 'o'), part=1,
                        split_file=str(moved / 'cross-subject.txt'),
                        progress=False)
    with pytest.raises(PKUMMDFormatError, match='give --src, or all of'):
        convert_normalize(None, str(tmp_path / 'o'), part=1,
                        label_dir=str(moved / 'lbl'), progress=False)


def test_part2_names_and_classes(tmp_path):
    root = tmp_path / 'v2'
    write_skeleton(root / 'skeleton' / 'A01N01-L.txt', make_video(3, 20))
    write_skeleton(root / 'skeleton' / 'A02N03-R.txt', make_video(4, 20))
    write_text(root / 'label' / 'A01N01-L.txt', '41,0,9,1\n42,10,19,1\n')
    write_text(root / 'label' / 'A02N03-R.txt', '1,0,19,3\n')
    write_text(root / 'cross_subject_v2.txt', 'Training videos:\nA01N01-L\n'
               'Validation videos:\nA02N03-R\n')
    out = tmp_path / 'out'
    summary = convert_normalize(str(root), str(out), part=2, progress=False)
    data = safe_load(str(out / 'pku2_pstl.pkl'))
    assert data['split'] == {'xsub_train': ['A01N01-L_000'],
                             'xsub_val': ['A02N03-R_000']}
    assert [a['label'] for a in data['annotations']] == [40, 0]
    assert 'outside 1..41' in dict(summary.skipped)['A01N01-L_001']
    # The part I split file is not taken for part II.
    (root / 'cross_subject_v2.txt').rename(root / 'cross-subject.txt')
    with pytest.raises(PKUMMDFormatError, match='cross_subject_v2'):
        convert_normalize(str(root), str(out), part=2, progress=False)


def test_cli_convert_and_check_exit_codes(raw, tmp_path, capsys):
    root, _ = raw
    out = tmp_path / 'tool_out'
    rc = convert_main(['pku_mmd1', '--src', str(root), '--out-dir', str(out),
                       '--check', '--no-progress', '--preprocess',
                       'normalize'])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert 'samples written: 6' in text and 'samples skipped: 6' in text
    assert 'check: OK' in text and 'xsub_train: 3 clips' in text
    assert convert_main(['pku_mmd1', '--out-dir', str(out), '--check']) == 0
    capsys.readouterr()

    # The npy file disagrees with the pickle.
    npy = out / 'xsub' / 'val_data_joint.npy'
    good = np.load(npy)
    bad = good.copy()
    bad[1, 0, 0, 0, 0] += 1
    np.save(npy, bad)
    assert convert_main(['pku_mmd1', '--out-dir', str(out), '--check']) == 1
    text = capsys.readouterr().out
    assert f'PROBLEM: {npy}' in text and '0003-M_002' in text
    np.save(npy, good)

    # The label file disagrees with the pickle.
    label_pkl = out / 'xsub' / 'train_label.pkl'
    names, labels = pickle.loads(label_pkl.read_bytes())
    label_pkl.write_bytes(pickle.dumps((names, [0] * len(labels))))
    assert convert_main(['pku_mmd1', '--out-dir', str(out), '--check']) == 1
    assert f'PROBLEM: {label_pkl}' in capsys.readouterr().out
    label_pkl.write_bytes(pickle.dumps((names, labels)))
    assert convert_main(['pku_mmd1', '--out-dir', str(out), '--check']) == 0

    # Checked against the wrong part (labels 0..40): label 50 is refused.
    capsys.readouterr()
    (tmp_path / 'p2').mkdir()
    (out / 'pku1_pstl.pkl').rename(tmp_path / 'p2' / 'pku2_pstl.pkl')
    (out / 'xsub').rename(tmp_path / 'p2' / 'xsub')
    assert convert_main(['pku_mmd2', '--out-dir', str(tmp_path / 'p2'),
                         '--check']) == 1
    assert 'label 50 out of range' in capsys.readouterr().out
    # Nothing to check.
    assert convert_main(['pku_mmd1', '--out-dir', str(out), '--check']) == 1
    assert 'cannot load' in capsys.readouterr().out
    # A conversion error names the folder and exits 2.
    missing = tmp_path / 'missing'
    assert convert_main(['pku_mmd1', '--src', str(missing), '--out-dir',
                         str(out)]) == 2
    assert str(missing) in capsys.readouterr().err


def test_cli_source_folders_without_src(raw, tmp_path, capsys):
    """The folder options alone ask for a conversion."""
    root, _ = raw
    out = tmp_path / 'explicit'
    assert convert_main([
        'pku_mmd1', '--skeleton-dir', str(root / 'PKU_Skeleton_Renew'),
        '--label-dir', str(root / 'Train_Label_PKU_final'), '--split-file',
        str(root / 'Split' / 'cross-subject.txt'), '--out-dir', str(out),
        '--no-progress', '--num-frames', '30', '--preprocess', 'normalize'
    ]) == 0
    assert 'samples written: 6' in capsys.readouterr().out
    data = safe_load(str(out / 'pku1_pstl.pkl'))
    assert data['split'] == {s: list(v) for s, v in EXPECTED.items()}
    assert {a['keypoint'].shape for a in data['annotations']} == {
        (2, 30, 25, 3)}
    # Only one of them: the error says what else to give.
    assert convert_main(['pku_mmd1', '--label-dir',
                         str(root / 'Train_Label_PKU_final'), '--out-dir',
                         str(tmp_path / 'o')]) == 2
    assert 'give --src, or all of' in capsys.readouterr().err
    assert not (tmp_path / 'o').exists()


def test_failed_write_keeps_the_earlier_output(converted, monkeypatch):
    """Files are staged and moved together: a write error leaves the
    earlier conversion as it was, and no staging folder."""
    root, _, out, files, _, _ = converted
    before = {f: open(f, 'rb').read() for f in files}
    assert len(before) == 5
    calls = []
    real = np.save

    def failing_save(f, data, *args, **kwargs):
        calls.append(data.shape)
        if len(calls) == 2:  # the val array, after the train one
            raise OSError('disk full (simulated)')
        real(f, data, *args, **kwargs)

    monkeypatch.setattr(writers.np, 'save', failing_save)
    with pytest.raises(OSError, match='simulated'):
        convert_normalize(str(root), str(out), part=1, num_frames=20,
                        progress=False)
    assert calls == [(3, 3, 20, 25, 2), (3, 3, 20, 25, 2)]
    assert {f: open(f, 'rb').read() for f in files} == before
    assert sorted(p.name for p in out.iterdir()) == ['pku1_pstl.pkl', 'xsub']


# --------------------------------------------------------------- aimclr


def test_aimclr_clips_are_cut_one_based_and_named_as_aimclr(raw, tmp_path):
    root, videos = raw
    out = tmp_path / 'aimclr'
    summary = pku_mmd.convert(str(root), str(out), part=1, progress=False)
    data = safe_load(str(out / 'pku1_pstl.pkl'))
    # 0002-L rows 2 (12,20,39) and 5 (8,25,25); 0003-M row 3 (2,10,12):
    # frames start-1 .. end-1; rows starting at frame 0 are outside.
    assert data['split'] == {'xsub_train': ['F002V001C008L005',
                                            'F002V001C012L002'],
                             'xsub_val': ['F003V002C002L003']}
    anns = {a['frame_dir']: a for a in data['annotations']}
    assert list(anns) == ['F002V001C008L005', 'F002V001C012L002',
                          'F003V002C002L003']
    assert [a['label'] for a in anns.values()] == [7, 11, 1]
    for name, (video, start, end) in {
            'F002V001C012L002': ('0002-L', 20, 39),
            'F002V001C008L005': ('0002-L', 25, 25),
            'F003V002C002L003': ('0003-M', 10, 12)}.items():
        cut = videos[video][start - 1:end].transpose(1, 0, 2, 3)
        expected, length = aimclr_position(cut.astype(np.float32), 50)
        np.testing.assert_array_equal(anns[name]['keypoint'], expected)
        assert anns[name]['original_frames'] == length == end - start + 1
    reasons = dict(summary.skipped)
    assert reasons['F002V001C005L001'] == 'interval outside the video'
    assert reasons['F003V002C051L001'] == 'interval outside the video'
    assert reasons['F002V001C007L004'] == 'interval outside the video'
    assert reasons['F002V001C009L006'].startswith('empty interval')
    assert 'line 3 of' in reasons['0002-L label row 3']
    assert 'outside 1..51' in reasons['0002-L label row 7']
    assert f'line {BAD_LINE + 1} of' in reasons['F003V002C003L002']
    assert summary.written == 3 and len(summary.skipped) == 9


def test_aimclr_body_slots_second_body_and_centre_crop():
    rng = np.random.default_rng(5)
    lines = rng.normal(size=(305, 150))
    lines[3, 75:] = 0
    lines[4, 75:] = 0
    lines[4, 75], lines[4, 76] = 0.5, -0.5  # sums to 0: not written
    slots = pku_mmd.aimclr_body_slots(lines)
    written = lines.copy()
    written[4, 75:] = 0
    # 305 frames: the middle 300, from (305 - 300) // 2 = 2.
    assert slots.shape == (2, 300, 25, 3) and slots.dtype == np.float32
    np.testing.assert_array_equal(
        slots, written[2:302].reshape(300, 2, 25, 3).transpose(
            1, 0, 2, 3).astype(np.float32))
    short = pku_mmd.aimclr_body_slots(lines[:6])
    assert short.shape == (2, 6, 25, 3)
    assert not short[1, 3].any() and not short[1, 4].any()
    assert short[1, 5].any()
    np.testing.assert_array_equal(short[0, 4],
                                  lines[4, :75].reshape(25, 3)
                                  .astype(np.float32))


def test_aimclr_names_of_both_parts():
    name = pku_mmd.aimclr_clip_name
    assert name('0036-L', 1, 14, 6) == 'F036V001C014L007'
    assert name('0310-R', 1, 2, 0) == 'F310V003C002L001'
    assert name('A01N02-M', 2, 41, 11) == 'A001N002V002C041L012'
    with pytest.raises(ValueError, match="'A01N02-M' is not of the form "
                       '0002-L'):
        name('A01N02-M', 1, 1, 0)


def test_aimclr_part2_and_a_video_id_it_cannot_name(tmp_path):
    root = tmp_path / 'v2'
    write_skeleton(root / 'skeleton' / 'A01N01-L.txt', make_video(3, 20))
    write_skeleton(root / 'skeleton' / 'A02N03-R.txt', make_video(4, 20))
    write_skeleton(root / 'skeleton' / 'odd-R.txt', make_video(5, 20))
    write_text(root / 'label' / 'A01N01-L.txt', '41,1,10,1\n')
    write_text(root / 'label' / 'A02N03-R.txt', '1,1,20,3\n')
    write_text(root / 'label' / 'odd-R.txt', '1,1,20,3\n')
    write_text(root / 'cross_subject_v2.txt', 'Training videos:\nA01N01-L, '
               'odd-R\nValidation videos:\nA02N03-R\n')
    summary = pku_mmd.convert(str(root), str(tmp_path / 'out'), part=2,
                              progress=False)
    data = safe_load(str(tmp_path / 'out' / 'pku2_pstl.pkl'))
    assert data['split'] == {'xsub_train': ['A001N001V001C041L001'],
                             'xsub_val': ['A002N003V003C001L001']}
    assert [a['label'] for a in data['annotations']] == [40, 0]
    assert 'not of the form' in dict(summary.skipped)['odd-R']
